import BerthManifest

#if canImport(Glibc)
    import Glibc
#endif

/// Lists the files a `watch:` covers with their size and modification time, so that two listings tell what changed.
///
/// A listing every quarter second rather than inotify: it sees files in folders created after the watch started,
/// works on every file system (bind mounts, network shares, editors that replace a file by renaming another), and
/// costs a `stat` per watched file. Hidden folders (`.git`, `.build`), ignored ones and links to folders are not
/// entered, nor folders deeper than a pattern can match; at most `limit` entries are looked at per listing, so that
/// a pattern like `**` at the root of a large tree cannot stall the daemon.
struct WatchScanner: Sendable {
    struct Stamp: Sendable, Equatable {
        var size: Int64
        var modified: Int64
        var inode: UInt64
    }

    static let limit = 20_000

    let spec: WatchSpec

    func snapshot() -> [String: Stamp] {
        var found: [String: Stamp] = [:]
        var visited = 0
        for pattern in spec.paths {
            let root = pattern.isLiteral ? pattern.text : pattern.root
            // How deep a match can be: a literal folder or a `**` anywhere in it, any depth.
            let depth =
                pattern.isLiteral || pattern.text.contains("**")
                ? Int.max : pattern.text.split(separator: "/").filter { $0 != "." }.count
            walk(root, pattern: pattern, depth: depth, top: true, visited: &visited, into: &found)
        }
        return found
    }

    /// The paths added, removed or modified from `before` to `after`, sorted.
    static func changes(from before: [String: Stamp], to after: [String: Stamp]) -> [String] {
        var paths: [String] = []
        for (path, stamp) in after where before[path] != stamp { paths.append(path) }
        for path in before.keys where after[path] == nil { paths.append(path) }
        return paths.sorted()
    }

    private func walk(
        _ relative: String, pattern: GlobPattern, depth: Int, top: Bool, visited: inout Int,
        into found: inout [String: Stamp]
    ) {
        guard visited < Self.limit else { return }
        visited += 1
        let full = relative.isEmpty ? spec.directory : spec.directory + "/" + relative
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        // A link is stamped by its target; a folder reached by a link (below the pattern's own root) is not
        // entered, so a link loop cannot make the walk endless.
        let isLink = (info.st_mode & S_IFMT) == S_IFLNK
        if isLink, stat(full, &info) != 0 { return }
        let isFolder = (info.st_mode & S_IFMT) == S_IFDIR
        if isFolder, isLink, !top { return }
        // The pattern's own root may be a link, but not one out of the manifest's folder (`berth check` warns).
        if isFolder, top, spec.outsideTarget(of: relative) != nil { return }
        if !isFolder {
            if spec.matches(relative), pattern.matches(relative) {
                found[relative] = Stamp(
                    size: Int64(info.st_size),
                    modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                    inode: UInt64(info.st_ino))
            }
            return
        }
        let components = relative.split(separator: "/").count
        guard components < depth, let directory = opendir(full) else { return }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name != ".", name != ".." else { continue }
            names.append(name)
        }
        for name in names.sorted() {
            let child = relative.isEmpty ? name : relative + "/" + name
            if spec.isIgnored(child) { continue }
            if name.hasPrefix("."), isDirectory(spec.directory + "/" + child) { continue }
            walk(child, pattern: pattern, depth: depth, top: false, visited: &visited, into: &found)
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
