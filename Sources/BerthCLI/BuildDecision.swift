import BerthManifest

/// Whether `berth up` runs a build step or skips it.
enum BuildDecision: Equatable {
    enum Reason: String, Equatable {
        case forced = "--build given"
        case noInputs = "no inputs declared"
        case firstBuild = "no earlier build recorded"
        case inputsChanged = "inputs changed"
    }

    case run(Reason)
    case skip

    /// `stored` is the fingerprint of the last successful build, `current` that of the inputs now.
    static func decide(stored: String?, current: String, hasInputs: Bool, force: Bool) -> Self {
        if force { return .run(.forced) }
        guard hasInputs else { return .run(.noInputs) }
        guard let stored else { return .run(.firstBuild) }
        return stored == current ? .skip : .run(.inputsChanged)
    }
}
