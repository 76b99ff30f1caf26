#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// Building `sockaddr_un` and `sockaddr_in` the one checked way: a Unix socket path that does not fit is an error,
/// not a silent truncation, and the caller gets the `sockaddr` pointer and length that bind, connect and sendto
/// take.
public enum SocketAddresses {
    /// The longest Unix socket path, in bytes (sun_path minus its terminating NUL).
    public static let maxUnixPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Calls `body` with a `sockaddr_un` for `path`; throws ENAMETOOLONG when the path does not fit, EINVAL when it is
    /// empty or holds a NUL byte.
    public static func withUnix<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) throws(SystemError) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { throw SystemError("socket path '\(path)'", code: EINVAL) }
        guard bytes.count <= maxUnixPathBytes else { throw SystemError("socket path '\(path)'", code: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Calls `body` with a `sockaddr_in` for the IPv4 `host` (dotted quad) and `port`; throws EINVAL for a host that
    /// is not an IPv4 address.
    public static func withInet<R>(
        host: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) throws(SystemError) -> R {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw SystemError("IPv4 address '\(host)'", code: EINVAL)
        }
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// A new socket of `domain` and `type`, close-on-exec.
    public static func socket(_ domain: Int32, _ type: Int32) throws(SystemError) -> Int32 {
        #if canImport(Glibc)
            let type = type | Int32(SOCK_CLOEXEC.rawValue)
        #endif
        return try System.call("socket") { Glibc.socket(domain, type, 0) }
    }

    /// `connect` to the Unix socket at `path`.
    public static func connectUnix(_ fd: Int32, path: String) throws(SystemError) {
        let result = try withUnix(path) { address, length in System.retrying { Glibc.connect(fd, address, length) } }
        guard result == 0 else { throw .current("connect") }
    }

    /// `bind` to the Unix socket at `path`.
    public static func bindUnix(_ fd: Int32, path: String) throws(SystemError) {
        let result = try withUnix(path) { address, length in System.retrying { Glibc.bind(fd, address, length) } }
        guard result == 0 else { throw .current("bind") }
    }
}
