import BerthSystem
import Glibc

/// Finds the file to execute the way execvp would, but against the CHILD's `PATH` and working directory, in the
/// parent before forking, so that the usual mistakes are thrown by `spawn` instead of surfacing after the fork.
enum ExecutableResolver {
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// A name containing '/' is checked (relative to the working directory) and returned as is: execve resolves it
    /// after the child's chdir.
    static func resolve(_ name: String, path: String?, workingDirectory: String) throws(SpawnError) -> String {
        guard !name.isEmpty else { throw .executableNotFound(name) }
        if name.contains("/") {
            let located = name.hasPrefix("/") || workingDirectory.isEmpty ? name : workingDirectory + "/" + name
            try check(located, reportedAs: name)
            return name
        }
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

    /// Throws what execve would say about a missing, non-regular or non-executable file. Other stat errors are left
    /// for execve to report.
    static func check(_ file: String, reportedAs name: String) throws(SpawnError) {
        var info = stat()
        guard stat(file, &info) == 0 else {
            switch Errno.current {
            case ENOENT, ENOTDIR: throw .executableNotFound(name)
            case EACCES: throw .permissionDenied(name)
            default: return
            }
        }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o111 != 0 else { throw .permissionDenied(name) }
    }

    /// Throws when the working directory does not exist or is not a directory (the child's chdir would fail).
    static func checkWorkingDirectory(_ directory: String) throws(SpawnError) {
        guard !directory.isEmpty else { return }
        var info = stat()
        guard stat(directory, &info) == 0 else {
            switch Errno.current {
            case ENOENT, ENOTDIR: throw .workingDirectoryMissing(directory)
            case EACCES: throw .permissionDenied(directory)
            default: return
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .workingDirectoryMissing(directory) }
    }
}
