#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// Where a project's daemon keeps its control socket and its state, shared by `berthd` and `berth` so that both
/// find the same daemon from the same manifest.
///
/// One daemon runs per project and user. Defaults (overridable with `BERTH_SOCKET` and `BERTH_STATE_DIR`):
/// - root: socket `/run/berth/PROJECT/control.sock`, state `/var/lib/berth/PROJECT`;
/// - others: socket `$XDG_RUNTIME_DIR/berth/PROJECT/control.sock` (or `/tmp/berth-UID/PROJECT/control.sock`),
///   state `$XDG_STATE_HOME/berth/PROJECT` (or `~/.local/state/berth/PROJECT`).
public struct ProjectPaths: Sendable, Equatable {
    public var project: String
    public var socket: String
    public var stateDirectory: String

    public init(project: String, socket: String, stateDirectory: String) {
        self.project = project
        self.socket = socket
        self.stateDirectory = stateDirectory
    }

    /// The default paths for `project`, honouring `BERTH_SOCKET` / `BERTH_STATE_DIR` in `environment`.
    public static func defaults(project: String, environment: [String: String], uid: UInt32 = getuid()) -> Self {
        let socket: String
        let state: String
        if uid == 0 {
            socket = "/run/berth/\(project)/control.sock"
            state = "/var/lib/berth/\(project)"
        } else {
            if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
                socket = "\(runtime)/berth/\(project)/control.sock"
            } else {
                socket = "/tmp/berth-\(uid)/\(project)/control.sock"
            }
            if let xdgState = environment["XDG_STATE_HOME"], !xdgState.isEmpty {
                state = "\(xdgState)/berth/\(project)"
            } else {
                let home = environment["HOME"] ?? "/tmp/berth-\(uid)-home"
                state = "\(home)/.local/state/berth/\(project)"
            }
        }
        return Self(
            project: project,
            socket: nonEmpty(environment["BERTH_SOCKET"]) ?? socket,
            stateDirectory: nonEmpty(environment["BERTH_STATE_DIR"]) ?? state
        )
    }

    /// The daemon's own log (its stderr) when it runs detached.
    public var daemonLog: String { "\(stateDirectory)/berthd.log" }
    /// What runs, recorded so that a restarted daemon can clean up after a killed one.
    public var stateFile: String { "\(stateDirectory)/state.json" }
    /// The `file` log driver's files (`SERVICE.N.log`, rotated as `.1` to `.3`; see docs/logging.md).
    public var logDirectory: String { "\(stateDirectory)/logs" }
    /// The sockets replicas with `ready: { notify: true }` send sd_notify messages to.
    public var notifyDirectory: String { "\(stateDirectory)/notify" }
    /// The pid file of the running daemon.
    public var pidFile: String { "\(stateDirectory)/berthd.pid" }
}

private func nonEmpty(_ value: String?) -> String? {
    guard let value, !value.isEmpty else { return nil }
    return value
}
