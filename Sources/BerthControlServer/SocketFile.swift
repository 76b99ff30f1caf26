import BerthControlProtocol
import BerthSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file-system side of the control socket: a private parent directory, stale-socket removal that never steals
/// a live daemon's socket, owner-only permissions, and removal on exit of only the socket we created.
struct SocketFile {
    let path: String
    let relaxedPermissions: Bool
    /// Where to bind first: a private name in the same directory, so that the socket appears under `path` only once
    /// its permissions are final (`publish`), and a client that can connect is a client the server is ready for.
    let bindPath: String

    init(path: String, relaxedPermissions: Bool) {
        self.path = path
        self.relaxedPermissions = relaxedPermissions
        let parent = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) } ?? "."
        self.bindPath = "\(parent.isEmpty ? "" : parent)/.berthd-\(getpid())-\(UInt16.random(in: 0...UInt16.max)).sock"
    }

    var directory: String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private var directoryMode: mode_t { relaxedPermissions ? 0o755 : 0o700 }
    private var socketMode: mode_t { relaxedPermissions ? 0o666 : 0o600 }

    /// Creates the parent directory if needed (and only then sets its mode), refuses one that another user could
    /// replace (TrustedPath), then removes a stale socket left by a dead daemon.
    ///
    /// An existing directory is never chmodded: `--socket /tmp/x.sock` as root once left /tmp at 0700. One
    /// writable by others is fine only when sticky (/tmp), where nobody else may rename or remove our socket.
    ///
    /// Returns whether it created the socket's own directory, which `remove` then removes too when empty.
    func prepare() throws(ControlServerError) -> Bool {
        let created = try makeDirectories(directory)
        for path in created {
            guard chmod(path, directoryMode) == 0 else {
                throw ControlServerError("cannot chmod \(path): \(errnoText())")
            }
        }
        try secureDirectory(directory)
        try removeStaleSocket()
        return created.last == directory || created.last == "./" + directory
    }

    /// Restricts the socket bound at `bindPath`, renames it to `path`, and returns its inode so that `remove` can
    /// tell it from a newer daemon's socket.
    func publish() throws(ControlServerError) -> ino_t {
        guard chmod(bindPath, socketMode) == 0 else {
            let reason = errnoText()
            unlink(bindPath)
            throw ControlServerError("cannot chmod \(bindPath): \(reason)")
        }
        guard rename(bindPath, path) == 0 else {
            let reason = errnoText()
            unlink(bindPath)
            throw ControlServerError("cannot rename \(bindPath) to \(path): \(reason)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw ControlServerError("cannot stat \(path): \(errnoText())")
        }
        return info.st_ino
    }

    /// Removes the socket file if it is still the one we bound (inode `inode`), and the socket's directory when we
    /// created it and nothing else is left in it: what we made goes away, what was there before stays as it was.
    func remove(inode: ino_t, directoryToo: Bool) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_ino == inode, isSocket(info) else { return }
        unlink(path)
        if directoryToo { rmdir(directory) }
    }

    /// Creates the missing directories of `directory`; returns those it created, outermost first.
    private func makeDirectories(_ directory: String) throws(ControlServerError) -> [String] {
        var prefix = directory.hasPrefix("/") ? "" : "."
        var created: [String] = []
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, directoryMode) == 0 {
                created.append(prefix)
            } else if errno != EEXIST {
                throw ControlServerError("cannot create directory \(prefix): \(errnoText())")
            }
        }
        return created
    }

    private func secureDirectory(_ directory: String) throws(ControlServerError) {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw ControlServerError("cannot stat \(directory): \(errnoText())")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ControlServerError("\(directory) is not a directory (symbolic links are refused)")
        }
        do {
            try TrustedPath.check(directory: directory)
        } catch {
            throw ControlServerError("refusing to serve in \(directory): \(error)")
        }
    }

    private func removeStaleSocket() throws(ControlServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw ControlServerError("cannot stat \(path): \(errnoText())")
        }
        guard isSocket(info) else {
            throw ControlServerError("\(path) exists and is not a socket; refusing to replace it")
        }
        switch probeConnect() {
        case .accepted:
            throw .alreadyServing(path)
        case .refused:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ControlServerError("cannot remove stale socket \(path): \(errnoText())")
            }
        case .failed(let reason):
            throw ControlServerError("cannot check whether \(path) is in use: \(reason)")
        }
    }

    private enum ProbeResult {
        case accepted, refused
        case failed(String)
    }

    /// Connects to the existing socket: success means a live server owns it.
    private func probeConnect() -> ProbeResult {
        let fd: Int32
        do {
            fd = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue))
        } catch {
            return .failed(error.message)
        }
        defer { close(fd) }
        do {
            try SocketAddresses.connectUnix(fd, path: path)
            return .accepted
        } catch {
            switch error.code {
            case ECONNREFUSED, ENOENT: return .refused
            // A full backlog means someone is listening.
            case EAGAIN: return .accepted
            case ENAMETOOLONG: return .failed("socket path too long")
            default: return .failed(error.message)
            }
        }
    }

    private func isSocket(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFSOCK }
}

func errnoText(_ code: Int32 = errno) -> String {
    Errno.message(code)
}
