import Foundation

/// Finds the files a build's `inputs` patterns match, below its workdir. Folders whose name starts with `.`
/// (`.build`, `.git`) are not entered: build outputs there would change the fingerprint on every build.
public enum BuildInputScanner {
    public static func scan(_ spec: BuildSpec) -> [BuildInputFile] {
        var found: [String: BuildInputFile] = [:]
        for pattern in spec.inputs {
            if pattern.isLiteral {
                let path = spec.workdir + "/" + pattern.text
                if let file = stat(path, relative: pattern.text), !isDirectory(path) {
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
                if found[relative] == nil, let file = stat(spec.workdir + "/" + relative, relative: relative) {
                    found[relative] = file
                }
            }
        }
        return found.values.sorted { $0.path < $1.path }
    }

    /// Relative paths of the regular files below `workdir/root`, skipping hidden folders.
    private static func walk(_ workdir: String, under root: String) -> [String] {
        let base = root.isEmpty ? workdir : workdir + "/" + root
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var paths: [String] = []
        while let next = enumerator.nextObject() as? String {
            let name = (next as NSString).lastPathComponent
            let full = base + "/" + next
            if isDirectory(full) {
                if name.hasPrefix(".") { enumerator.skipDescendants() }
                continue
            }
            paths.append(root.isEmpty ? next : root + "/" + next)
        }
        return paths
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private static func stat(_ path: String, relative: String) -> BuildInputFile? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, let modified = attributes[.modificationDate] as? Date
        else { return nil }
        return BuildInputFile(
            path: relative, size: size.int64Value,
            modified: Int64((modified.timeIntervalSince1970 * 1_000_000_000).rounded()))
    }
}
