import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Finds free TCP ports on loopback for `port: auto` replicas.
///
/// The kernel picks an ephemeral port for a socket bound to port 0; the port is then released for the replica to
/// bind. Another process could take it in between, which the replica reports as a bind failure and its restart
/// resolves by picking again.
enum PortAllocator {
    struct Exhausted: Error, CustomStringConvertible {
        var errno: Int32
        var range: ClosedRange<Int>?
        var description: String {
            guard let range else { return "no free port for port: auto (\(Errno.message(errno)))" }
            return "no free port in port_range \(range.lowerBound)-\(range.upperBound) for port: auto "
                + "(all \(range.count) taken by replicas or other processes)"
        }
    }

    /// A port no replica has and nothing on loopback is bound to: from `range` (the manifest's `port_range`) when
    /// given, else from the kernel's ephemeral range.
    static func freePort(avoiding taken: Set<Int>, in range: ClosedRange<Int>? = nil) throws -> Int {
        if let range { return try freePort(avoiding: taken, in: range) }
        for _ in 0..<32 {
            let port = try ephemeralPort()
            if !taken.contains(port) { return port }
        }
        throw Exhausted(errno: EADDRINUSE)
    }

    /// Tries the range's ports from a random one on, so that restarts do not all race for the lowest.
    private static func freePort(avoiding taken: Set<Int>, in range: ClosedRange<Int>) throws -> Int {
        let start = Int.random(in: 0..<range.count)
        for step in 0..<range.count {
            let port = range.lowerBound + (start + step) % range.count
            if !taken.contains(port), isBindable(port) { return port }
        }
        throw Exhausted(errno: EADDRINUSE, range: range)
    }

    /// Whether a listening socket could bind 127.0.0.1:port now (without SO_REUSEADDR: a port in TIME_WAIT is
    /// skipped rather than handed out).
    static func isBindable(_ port: Int) -> Bool {
        (try? bound(port) { _ in }) != nil
    }

    /// The port the kernel picks for a socket bound to port 0.
    private static func ephemeralPort() throws -> Int {
        try bound(0) { fd in
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw Exhausted(errno: errno) }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// Binds a TCP socket to 127.0.0.1:port and hands it to `body`; the socket is closed afterwards.
    private static func bound<T>(_ port: Int, _ body: (Int32) throws -> T) throws -> T {
        guard let port = UInt16(exactly: port) else { throw Exhausted(errno: EINVAL) }
        let fd: Int32
        do {
            fd = try SocketAddresses.socket(AF_INET, Int32(SOCK_STREAM.rawValue))
        } catch {
            throw Exhausted(errno: error.code)
        }
        defer { System.close(fd) }
        let result: Int32
        do {
            result = try SocketAddresses.withInet(host: "127.0.0.1", port: port) { bind(fd, $0, $1) }
        } catch {
            throw Exhausted(errno: error.code)
        }
        guard result == 0 else { throw Exhausted(errno: errno) }
        return try body(fd)
    }
}
