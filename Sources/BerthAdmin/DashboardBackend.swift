public import BerthControlProtocol

/// What the dashboard needs from the daemon: the same status, events, logs and supervisor operations as the
/// control API, plus each route's recent traffic. A protocol so that the admin module does not depend on the
/// supervisor or the gateway.
public protocol DashboardBackend: Sendable {
    /// The status with the gateway's in-flight counts, as `GET /v1/status` answers it.
    func status() async -> StatusResponse
    /// Every gateway route's last `seconds` complete seconds, one point per second, oldest first.
    func routeHistory(seconds: Int) async -> [[RoutePoint]]
    /// The last `tail` kept events, then every new one (including the once-a-second `rates` samples).
    func events(tail: Int) -> AsyncStream<DaemonEvent>
    /// The last `count` kept events, oldest first.
    func recentEvents(_ count: Int) -> [DaemonEvent]
    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry>
    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse
}

/// The document of `GET /api/state` and the first message of `GET /api/events`.
struct DashboardSnapshot: Encodable {
    var windowSeconds: Int
    var status: StatusResponse
    var routes: [[RoutePoint]]
    var events: [DaemonEvent]

    enum CodingKeys: String, CodingKey {
        case status, routes, events
        case windowSeconds = "window_s"
    }
}

/// One message of `GET /api/events` after the snapshot: what happened and the status after it.
struct DashboardUpdate: Encodable {
    var event: DaemonEvent
    var status: StatusResponse
}
