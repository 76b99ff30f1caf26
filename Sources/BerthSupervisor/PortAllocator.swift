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
        var description: String { "no free port for port: auto (\(String(cString: strerror(errno))))" }
    }

    static func freePort(avoiding taken: Set<Int>) throws -> Int {
        for _ in 0..<32 {
            let port = try ephemeralPort()
            if !taken.contains(port) { return port }
        }
        throw Exhausted(errno: EADDRINUSE)
    }

    private static func ephemeralPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Exhausted(errno: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Exhausted(errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Exhausted(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
