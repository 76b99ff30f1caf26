import BerthControlProtocol
import BerthSupervisor
import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The daemon's state directory must be ours alone: what it holds (`state.json`, the pid file, logs, notify sockets)
/// decides which processes berthd signals and whom it believes, so a directory another user can write, or one below
/// a directory another user can replace, is refused with a clear error instead of being used (or chmodded).
enum StateDirectory {
    /// Creates the directory (0700) if needed, then checks it and every directory above it.
    static func prepare(_ path: String) throws(StateFileError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StateFileError(description: "cannot create the state directory \(path): \(error)")
            }
            guard lstat(path, &info) == 0 else {
                throw StateFileError(description: "cannot stat the state directory \(path): \(errnoText())")
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw StateFileError(description: "the state directory \(path) is not a directory")
        }
        do {
            try TrustedPath.check(directory: path)
        } catch {
            throw StateFileError(description: "refusing the state directory \(path): \(error)")
        }
        guard info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            throw StateFileError(
                description: "refusing the state directory \(path): it must belong to us (uid \(geteuid())) and be "
                    + "writable by us alone, but it is owned by uid \(info.st_uid) with mode "
                    + "\(String(info.st_mode & 0o7777, radix: 8)); another user could forge state.json")
        }
    }

    /// Writes the pid file without following a symbolic link planted under its name.
    static func writePIDFile(_ path: String) throws(StateFileError) {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateFileError(description: "cannot create \(path): \(errnoText())") }
        defer { close(fd) }
        let text = Array("\(getpid())\n".utf8)
        guard text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count else {
            throw StateFileError(description: "cannot write \(path): \(errnoText())")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
