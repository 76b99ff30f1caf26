import Glibc

extension WatchSpec {
    /// Where `relative` (a pattern's root, a folder below `directory`) really leads when that is outside
    /// `directory`, through a symbolic link on the way (`src -> /`); nil when it stays inside or does not exist.
    ///
    /// Why (audit3): links to folders below a pattern's root were never entered, but the root itself was followed,
    /// so `watch: [src]` with `src -> /` listed 20,000 entries of the whole file system four times a second and
    /// rebuilt on changes there, although "nothing outside the manifest's folder" is watched.
    public func outsideTarget(of relative: String) -> String? {
        guard !relative.isEmpty, let base = Self.resolved(directory),
            let target = Self.resolved(directory + "/" + relative)
        else { return nil }
        // A link to a file counts by its target, as documented: only folders are walked.
        var info = stat()
        guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return target == base || target.hasPrefix(base == "/" ? "/" : base + "/") ? nil : target
    }

    private static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
