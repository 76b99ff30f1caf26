public import BerthControlProtocol

/// What the control API server asks of the daemon: the server owns HTTP, sockets and security, the implementation
/// (the supervisor) owns the meaning of each operation.
public protocol ControlService: Sendable {
    func status() async -> StatusResponse
    /// Operations: scale/start/stop/restart/waitReady/down. Throws for request errors (unknown service: 404...).
    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse
    /// Lines for `GET /v1/logs`; the stream finishes when not following, or when the client goes away.
    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry>
    /// Events for `GET /v1/events`: the recent ones, then every new one until the client goes away.
    func events(_ query: EventQuery) async -> AsyncStream<DaemonEvent>
    /// `POST /v1/dashboard/login`: a one-time login link for the admin listener.
    func dashboardLogin() async throws(ControlAPIError) -> DashboardLoginResponse
    /// The answer to an operation (`perform`) was written to its client, or could not be: `berth down` lets the
    /// daemon exit only then, so that the client hears the answer.
    func answered(_ command: ControlCommand)
}

extension ControlService {
    /// A daemon without an admin listener has no dashboard to log in to.
    public func dashboardLogin() async throws(ControlAPIError) -> DashboardLoginResponse {
        throw ControlAPIError.notFound("this daemon has no admin listener")
    }

    /// Most services need not know when an answer was written.
    public func answered(_ command: ControlCommand) {}
}
