import Foundation

extension ManifestLoader {
    /// The project a manifest names, read without loading it: its top-level `name:` line when that is a plain
    /// valid name, else (no such line) its folder's name, as a full load would give. Nil when it cannot be told
    /// (an interpolated or invalid name, an unreadable file).
    ///
    /// Why: a manifest broken while its project runs (`berth reload` refuses it) must not lock the user out of
    /// `berth down`, `status`, `stop` or `scale`, which only need the daemon's socket, derived from this name.
    public static func projectName(path: String) -> String? {
        let file = PathText.absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        guard case .success(let bytes) = boundedContents(handle.fileDescriptor),
            let text = String(validating: bytes, as: UTF8.self)
        else { return nil }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("name:") {
            var value = line.dropFirst("name:".count)
            if let comment = value.range(of: " #") { value = value[..<comment.lowerBound] }
            var name = value.trimmingCharacters(in: .whitespaces)
            if name.count >= 2, let first = name.first, first == "\"" || first == "'", name.last == first {
                name = String(name.dropFirst().dropLast())
            }
            return ManifestBuilder.isValidProjectName(name) ? name : nil
        }
        return ManifestBuilder.sanitizedProjectName(PathText.lastComponent(of: PathText.directory(of: file)))
    }
}
