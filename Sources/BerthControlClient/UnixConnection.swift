import BerthControlProtocol
import BerthSystem
import CBerthShim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking, connected `AF_UNIX` stream socket with send and receive timeouts. Closed on deinit.
///
/// Connects only to a daemon that is ours: the socket's directories must be ones no other user can replace
/// (`TrustedPath`), and the server must run as us or as root (SO_PEERCRED), before a byte is sent or believed.
final class UnixConnection {
    private let fd: Int32

    init(path: String, timeout: Duration?) throws(ControlClientError) {
        try Self.checkDirectory(of: path)
        do {
            fd = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue))
        } catch {
            throw .io(error.description)
        }
        try setTimeout(SO_SNDTIMEO, timeout)
        try setTimeout(SO_RCVTIMEO, timeout)
        guard !path.utf8.contains(0), !path.isEmpty, path.utf8.count <= SocketAddresses.maxUnixPathBytes else {
            throw .io("invalid socket path \(path)")
        }
        do {
            try SocketAddresses.connectUnix(fd, path: path)
        } catch {
            switch error.code {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .noDaemon(socket: path)
            case EACCES, EPERM: throw .permissionDenied(socket: path)
            case EAGAIN, EINPROGRESS: throw .timeout
            default: throw .io("connect to \(path): \(error.message)")
            }
        }
        try checkServer(path: path)
    }

    /// The socket's directory and those above it may not be replaceable by another user. A directory that does not
    /// exist is left to `connect`, which reports that no daemon runs; one removed while it was being checked (a
    /// daemon exiting, as under concurrent `berth down`s) is no daemon too.
    private static func checkDirectory(of path: String) throws(ControlClientError) {
        let directory = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) } ?? "."
        var info = stat()
        guard stat(directory.isEmpty ? "/" : directory, &info) == 0 else { return }
        do {
            try TrustedPath.check(directory: directory.isEmpty ? "/" : directory, uid: getuid())
        } catch  where error.vanished {
            throw .noDaemon(socket: path)
        } catch {
            throw .untrustedPath(socket: path, reason: error.description)
        }
    }

    /// The kernel's word (SO_PEERCRED) on who serves the socket: us or root, or it is not our daemon.
    private func checkServer(path: String) throws(ControlClientError) {
        var uid: UInt32 = 0
        var pid: Int32 = 0
        guard berth_peer_uid(fd, &uid, &pid) == 0 else {
            throw .io("cannot read the credentials of the server of \(path): \(errnoText())")
        }
        guard uid == getuid() || uid == geteuid() || uid == 0 else {
            throw .untrustedServer(socket: path, uid: uid)
        }
    }

    deinit {
        close(fd)
    }

    /// Changes the receive timeout (nil waits forever), e.g. for following logs.
    func setReceiveTimeout(_ timeout: Duration?) throws(ControlClientError) {
        try setTimeout(SO_RCVTIMEO, timeout)
    }

    private func setTimeout(_ option: Int32, _ timeout: Duration?) throws(ControlClientError) {
        var value = timeval()
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            let microseconds = attoseconds / 1_000_000_000_000
            value.tv_sec = Int(max(0, seconds))
            value.tv_usec = Int(max(0, microseconds))
            if value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }  // 0 would mean "no timeout"
        }
        guard setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw .io("setsockopt: \(errnoText())")
        }
    }

    /// Sends all of `bytes`. A peer that closes early (EPIPE / ECONNRESET) is reported as `.io`; the caller may still
    /// read the answer the peer sent before closing.
    func writeAll(_ bytes: [UInt8]) throws(ControlClientError) {
        do {
            try System.sendAll(fd, bytes, flags: Int32(MSG_NOSIGNAL))
        } catch {
            if error.code == EAGAIN || error.code == EWOULDBLOCK { throw .timeout }
            throw .io(error.description)
        }
    }

    /// Reads up to `capacity` bytes; an empty result means the peer closed the connection.
    func read(capacity: Int = 16 * 1024) throws(ControlClientError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count = buffer.withUnsafeMutableBytes { raw in
            System.retrying { recv(fd, raw.baseAddress!, raw.count, 0) }
        }
        guard count >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw .timeout }
            throw .io("recv: \(errnoText(code))")
        }
        return Array(buffer[..<count])
    }
}

func errnoText(_ code: Int32 = errno) -> String {
    Errno.message(code)
}
