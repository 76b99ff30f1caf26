import BerthAdmin
import BerthControlProtocol
import BerthControlServer
import BerthGateway
import BerthSupervisor

/// The control API's operations, answered by the supervisor.
struct DaemonControl: ControlService {
    let supervisor: Supervisor
    let service: SupervisorService
    let gateway: Gateway?
    /// The admin listener's logins and base URL, when the manifest has `admin:`.
    var admin: DaemonAdmin?

    func status() async -> StatusResponse {
        var status = await supervisor.status()
        guard let gateway else { return status }
        // Routed services show each replica's in-flight requests and request rate.
        let traffic = await gateway.traffic()
        let routed = Set(await supervisor.routedServices)
        for (s, service) in status.services.enumerated() where routed.contains(service.name) {
            for (r, replica) in service.replicas.enumerated() {
                // The gateway knows replicas by slot (the old and new process of an index coexist in a rollout).
                let share = traffic[service.name]?[replica.slot ?? replica.index]
                status.services[s].replicas[r].inFlight = share?.inFlight ?? 0
                status.services[s].replicas[r].requestRate = share.map { ($0.rate * 10).rounded() / 10 } ?? 0
                status.services[s].replicas[r].ejectedSeconds = share?.ejectedFor.map {
                    ($0.seconds * 10).rounded() / 10
                }
            }
        }
        return status
    }

    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        if case .down = command { service.beginStopping() }
        return try await supervisor.perform(command)
    }

    /// `berth down` answered: the daemon may now exit (the control server goes away with the group).
    func answered(_ command: ControlCommand) {
        if case .down = command { service.downCompleted() }
    }

    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
        if let name = query.service, await !supervisor.hasService(name) {
            throw ControlAPIError.unknownService(name)
        }
        return supervisor.logs.lines(query)
    }

    func events(_ query: EventQuery) async -> AsyncStream<DaemonEvent> {
        supervisor.events.subscribe(tail: query.tail)
    }

    func dashboardLogin() async throws(ControlAPIError) -> DashboardLoginResponse {
        guard let admin else {
            throw ControlAPIError.notFound(
                "the manifest has no admin listener; add 'admin: 127.0.0.1:9090' for the dashboard")
        }
        return DashboardLoginResponse(
            url: "\(admin.baseURL)/login?code=\(admin.sessions.issueCode())", dashboard: admin.baseURL + "/",
            expiresInSeconds: Int(admin.sessions.codeLifetime.components.seconds),
            sessionSeconds: Int(admin.sessions.sessionLifetime.components.seconds))
    }
}
