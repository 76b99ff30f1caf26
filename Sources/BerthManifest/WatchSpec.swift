/// A service's `watch:`: the files whose change rebuilds the service (its `build:` step) and rolls its replicas,
/// for the development loop. Matching is a value question answered here; berthd's watcher only lists files.
public struct WatchSpec: Sendable, Codable, Equatable {
    /// Patterns relative to the manifest's folder; a literal pattern naming a folder matches what is in it.
    public var paths: [GlobPattern]
    /// Patterns whose matches never count; a pattern of one component (`*.tmp`, `node_modules`) matches that name
    /// at any depth, as in a `.gitignore`.
    public var ignore: [GlobPattern]
    /// How long the files must stay quiet after a change before the build starts (an editor saves in bursts).
    public var debounce: Duration
    /// The folder the patterns are relative to (the manifest's), absolute.
    public var directory: String
    /// Where `watch:` is in the manifest.
    public var location: SourceLocation?
    /// `enabled: true`: watched by any `berth up`; otherwise only by `berth up --watch` (as Compose's `develop.watch`
    /// needs `docker compose watch`), so that a shared manifest does not rebuild on every edit in production.
    public var enabled = false
    /// A build that runs longer is killed (its whole process group) and reported like a failed one.
    public var buildTimeout: Duration = ManifestSchema.Defaults.watchBuildTimeout

    public init(
        paths: [GlobPattern], ignore: [GlobPattern] = [],
        debounce: Duration = ManifestSchema.Defaults.watchDebounce, directory: String, location: SourceLocation? = nil
    ) {
        self.paths = paths
        self.ignore = ignore
        self.debounce = debounce
        self.directory = directory
        self.location = location
    }

    /// Whether a change of `path` (relative to `directory`, `/`-separated) counts.
    public func matches(_ path: String) -> Bool {
        guard paths.contains(where: { $0.matches(path) }) else { return false }
        return !isIgnored(path)
    }

    /// Whether an ignore pattern takes `path` out (a folder so ignored is not even scanned).
    public func isIgnored(_ path: String) -> Bool {
        ignore.contains { pattern in
            if pattern.matches(path) { return true }
            guard !pattern.text.contains("/") else { return false }
            return path.split(separator: "/").contains { pattern.matches(String($0)) }
        }
    }
}
