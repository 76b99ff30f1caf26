/// A decoded control API request: what the CLI (or a script) asked the daemon to do.
///
/// `ControlCommand.decode` turns raw HTTP parts into one of these or a `ControlAPIError`; it is pure so that it can
/// be unit-tested and fuzzed without sockets.
public enum ControlCommand: Sendable, Equatable {
    case status
    case scale(ScaleRequest)
    case start(service: String, timeoutMilliseconds: Int?)
    case stop(service: String, timeoutMilliseconds: Int?)
    case restart(service: String, timeoutMilliseconds: Int?)
    /// Start a run of a `schedule:` job now (`POST /v1/services/NAME/run`, `berth run-now`); with `wait`, answer
    /// once the run ended (`{"wait": true}`), ok when it completed.
    case runNow(service: String, wait: Bool = false, timeoutMilliseconds: Int? = nil)
    /// Start, stop or restart one replica (`POST /v1/services/NAME/replicas/N/ACTION`); a stopped one stays stopped.
    case replica(service: String, index: Int, action: ReplicaOperation, timeoutMilliseconds: Int?)
    /// Wait until every service is ready (or completed), or the timeout passes.
    case waitReady(timeoutMilliseconds: Int?)
    /// Stop everything in reverse dependency order, then let the daemon exit.
    case down(timeoutMilliseconds: Int?)
    case logs(LogQuery)
    /// Apply an edited manifest: roll changed services, start new ones, stop removed ones, swap gateway routes.
    case reload(ReloadRequest)
    /// Recent daemon events, then every new one (`GET /v1/events`).
    case events(EventQuery)
    /// A one-time login link for the admin listener's dashboard (`POST /v1/dashboard/login`, `berth dashboard`).
    case dashboardLogin
}

/// What `POST /v1/services/NAME/replicas/N/ACTION` does to one replica.
public enum ReplicaOperation: String, Sendable, Equatable, CaseIterable {
    /// Start it (again) and clear its hold.
    case start
    /// Stop it (drained first when routed) and hold it stopped, whatever its restart policy.
    case stop
    /// Stop it and start a new process in its place (not rolling: the others serve meanwhile).
    case restart
}

/// Which lines `GET /v1/logs` returns: `?service=NAME&replica=N&tail=N&follow=1`.
public struct LogQuery: Sendable, Equatable {
    public var service: String?
    public var replica: Int?
    public var tail: Int?
    public var follow: Bool

    public init(service: String? = nil, replica: Int? = nil, tail: Int? = nil, follow: Bool = false) {
        self.service = service
        self.replica = replica
        self.tail = tail
        self.follow = follow
    }
}

/// The API's version prefix. A breaking change gets a new prefix; additions do not.
public let controlAPIVersion = "v1"
