import Glibc

/// Finds the files a build's `inputs` patterns match, below its workdir. Folders whose name starts with `.`
/// (`.build`, `.git`) are not entered: build outputs there would change the fingerprint on every build.
///
/// Plain `opendir`/`stat` rather than `FileManager.enumerator`, which FoundationEssentials lacks (berthd links this
/// module, and full Foundation costs it 5 MB of memory): the walk is the one FileManager did, symbolic links
/// are listed and never followed into folders, and a file's size and time are those of `lstat`.
public enum BuildInputScanner {
    public static func scan(_ spec: BuildSpec) -> [BuildInputFile] {
        var found: [String: BuildInputFile] = [:]
        for pattern in spec.inputs {
            if pattern.isLiteral {
                let path = spec.workdir + "/" + pattern.text
                if let file = inputFile(path, relative: pattern.text), !isDirectory(path) {
                    found[file.path] = file
                    continue
                }
                if !isDirectory(path) {
                    found["missing:" + pattern.text] = BuildInputFile(
                        path: "missing:" + pattern.text, size: 0,
                        modified: 0)
                    continue
                }
            }
            let root = pattern.isLiteral ? pattern.text : pattern.root
            for relative in walk(spec.workdir, under: root) where pattern.matches(relative) {
                if found[relative] == nil, let file = inputFile(spec.workdir + "/" + relative, relative: relative) {
                    found[relative] = file
                }
            }
        }
        return found.values.sorted { $0.path < $1.path }
    }

    /// Relative paths of the regular files below `workdir/root`, skipping hidden folders.
    private static func walk(_ workdir: String, under root: String) -> [String] {
        let base = root.isEmpty ? workdir : workdir + "/" + root
        var paths: [String] = []
        var pending = [""]
        while let folder = pending.popLast() {
            for name in entries(folder.isEmpty ? base : base + "/" + folder) {
                let next = folder.isEmpty ? name : folder + "/" + name
                let full = base + "/" + next
                if isDirectory(full) {
                    // A folder is entered unless hidden; a link to one is not followed (as FileManager's walk).
                    if !name.hasPrefix("."), isRealDirectory(full) { pending.append(next) }
                    continue
                }
                paths.append(root.isEmpty ? next : root + "/" + next)
            }
        }
        return paths
    }

    /// The names in a folder, without `.` and `..`; none when it cannot be read.
    private static func entries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether `path` is a folder, following a symbolic link (as `fileExists(atPath:isDirectory:)`).
    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func inputFile(_ path: String, relative: String) -> BuildInputFile? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        // Nanoseconds as FileManager's `Date` rounded them (a Double of seconds since 2001), so that fingerprints
        // recorded by earlier versions still match.
        let since2001 = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1_000_000_000 - 978_307_200
        return BuildInputFile(
            path: relative, size: Int64(info.st_size),
            modified: Int64(((since2001 + 978_307_200) * 1_000_000_000).rounded()))
    }
}
