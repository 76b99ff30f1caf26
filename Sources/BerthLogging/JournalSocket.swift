import Glibc

/// Whether a journald listens: `sd_journal_sendv` returns 0 and loses the message when none does, so the daemon
/// checks for itself by connecting a datagram socket to journald's socket.
public enum JournalSocket {
    public static let path = "/run/systemd/journal/socket"

    /// true when a datagram socket connects to `path` (a stale socket file refuses the connection).
    public static func isLive(path: String = JournalSocket.path) -> Bool {
        JournalConnection(path: path).connect() == nil
    }
}
