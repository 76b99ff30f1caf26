import BerthManifest

/// One input file of a build as the fingerprint sees it.
struct BuildInputFile: Sendable, Equatable {
    /// Relative to the build's workdir; a pattern that names a missing file appears as `missing:PATH`.
    var path: String
    var size: Int64
    /// Modification time in nanoseconds since 1970.
    var modified: Int64
}

/// A build's fingerprint: a 64-bit FNV-1a hash (hex) of its command, workdir and every input's path, size and
/// modification time. Not a security measure: it only tells "the inputs are the same as at the last good build".
enum BuildFingerprint {
    static func compute(_ identity: BuildIdentity, files: [BuildInputFile]) -> String {
        var hasher = FNV1a()
        hasher.add("berth-build-1")
        for word in identity.command { hasher.add(word) }
        hasher.add(identity.workdir)
        for file in files.sorted(by: { $0.path < $1.path }) {
            hasher.add(file.path)
            hasher.add(String(file.size))
            hasher.add(String(file.modified))
        }
        return hasher.hex
    }

    /// A short stable name of a build for its state files: the hash of its identity alone.
    static func name(_ identity: BuildIdentity) -> String {
        var hasher = FNV1a()
        for word in identity.command { hasher.add(word) }
        hasher.add(identity.workdir)
        return hasher.hex
    }

    struct FNV1a {
        private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

        /// Adds `text` and a separator byte, so that ["ab", "c"] and ["a", "bc"] differ.
        mutating func add(_ text: String) {
            for byte in text.utf8 { mix(byte) }
            mix(0)
        }

        private mutating func mix(_ byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }

        var hex: String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}

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
