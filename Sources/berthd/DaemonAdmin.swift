import BerthAdmin
import BerthManifest

/// The admin listener as the rest of the daemon sees it: its sessions (the control API hands out login codes) and
/// the URL a browser on this machine reaches it at.
struct DaemonAdmin: Sendable {
    let sessions: AdminSessions
    /// `http://HOST:PORT`, with a wildcard host replaced by loopback.
    let baseURL: String

    init(listen: ListenAddress, sessions: AdminSessions) {
        self.sessions = sessions
        let host: String
        switch listen.host {
        case "0.0.0.0", "": host = "127.0.0.1"
        case "::": host = "[::1]"
        case let name where name.contains(":"): host = "[\(name)]"
        case let name: host = name
        }
        baseURL = "http://\(host):\(listen.port)"
    }
}
