import Glibc

/// Whether a journald listens: `sd_journal_sendv` returns 0 and loses the message when none does, so the daemon
/// checks for itself by connecting a datagram socket to journald's socket.
public enum JournalSocket {
    public static let path = "/run/systemd/journal/socket"

    /// true when a datagram socket connects to `path` (a stale socket file refuses the connection).
    public static func isLive(path: String = JournalSocket.path) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        return result == 0
    }
}
