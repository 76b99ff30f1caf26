import Glibc

/// Finds the file to execute the way execvp would, but against the CHILD's `PATH` and working directory, in the
/// parent before forking.
enum ExecutableResolver {
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// A name containing '/' is returned as is (execve resolves it after the child's chdir).
    static func resolve(_ name: String, path: String?, workingDirectory: String) throws(SpawnError) -> String {
        guard !name.isEmpty else { throw .executableNotFound(name) }
        if name.contains("/") { return name }
        var notExecutable: String?
        for directory in (path ?? defaultPath).split(separator: ":", omittingEmptySubsequences: false) {
            var candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            if !candidate.hasPrefix("/"), !workingDirectory.isEmpty {
                candidate = workingDirectory + "/" + candidate
            }
            var info = stat()
            guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if info.st_mode & 0o111 != 0 { return candidate }
            notExecutable = notExecutable ?? candidate
        }
        if let notExecutable { throw .permissionDenied(notExecutable) }
        throw .executableNotFound(name)
    }
}
