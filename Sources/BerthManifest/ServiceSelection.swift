#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which services `berth up` starts: the ones named on its command line (or, with none named, every service whose
/// profiles allow it) and everything they depend on, transitively — as Compose's `up SERVICE...` and `profiles:`.
///
/// A service with `profiles:` starts only when one of them is active, unless it is named or a started service
/// depends on it. Pure: the CLI computes it and hands the daemon the resulting names.
public struct ServiceSelection: Sendable, Equatable {
    /// A name on the command line that is no service of the manifest.
    public struct UnknownService: Error, Equatable, CustomStringConvertible {
        public var name: String
        public var suggestion: String?

        public init(name: String, suggestion: String?) {
            self.name = name
            self.suggestion = suggestion
        }

        public var description: String {
            "no service '\(name)' in the manifest" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        }
    }

    /// The services to start, in the manifest's start order.
    public var services: [String]
    /// Whether that is every service of the manifest (then nothing needs to be said to the daemon).
    public var isEverything: Bool

    /// - Parameters:
    ///   - named: services asked for by name; empty for "the project".
    ///   - profiles: the active profiles (`--profile`, `BERTH_PROFILES`).
    public init(_ manifest: Manifest, named: [String], profiles: Set<String>) throws(UnknownService) {
        for name in named where manifest.services[name] == nil {
            let suggestion = EditDistance.suggestion(for: name, among: manifest.services.keys.sorted())
            throw UnknownService(name: name, suggestion: suggestion)
        }
        let roots =
            named.isEmpty
            ? manifest.services.values.filter { $0.profiles.isEmpty || !profiles.isDisjoint(with: $0.profiles) }
                .map(\.name)
            : named
        let chosen = Self.withDependencies(Set(roots), in: manifest)
        services = manifest.startOrder.filter(chosen.contains)
        isEverything = chosen.count == manifest.services.count
    }

    /// `names` and every service they depend on, directly or not.
    public static func withDependencies(_ names: Set<String>, in manifest: Manifest) -> Set<String> {
        var chosen: Set<String> = []
        var pending = Array(names)
        while let name = pending.popLast() {
            guard chosen.insert(name).inserted, let spec = manifest.services[name] else { continue }
            pending += spec.dependsOn.keys.filter { manifest.services[$0] != nil }
        }
        return chosen
    }

    /// `BERTH_PROFILES=a,b` and the `--profile` options, together.
    public static func activeProfiles(options: [String], environment: [String: String]) -> Set<String> {
        let fromEnvironment = (environment["BERTH_PROFILES"] ?? "").split(separator: ",")
            .map { String($0.trimmingSpaces()) }.filter { !$0.isEmpty }
        return Set(options + fromEnvironment)
    }
}
