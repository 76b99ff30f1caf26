import BerthAdmin
import BerthControlProtocol
import BerthGateway
import BerthGatewayCore
import BerthSupervisor

/// The dashboard's view of the daemon: the control API's answers plus the gateway's route history.
struct DaemonDashboard: DashboardBackend {
    let control: DaemonControl

    func status() async -> StatusResponse {
        await control.status()
    }

    func routeHistory(seconds: Int) async -> [[RoutePoint]] {
        guard let gateway = control.gateway else { return [] }
        return await gateway.routeTraffic(lastSeconds: seconds).map { series in
            series.seconds.map { RoutePoint(series, $0) }
        }
    }

    func events(tail: Int) -> AsyncStream<DaemonEvent> {
        control.supervisor.events.subscribe(tail: tail)
    }

    func recentEvents(_ count: Int) -> [DaemonEvent] {
        control.supervisor.events.recent(count)
    }

    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
        try await control.logs(query)
    }

    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        switch command {
        case .down:
            // The page offers no `down`: the daemon would go away under it.
            throw ControlAPIError.badRequest("the dashboard cannot bring the project down")
        case .reload:
            // A reload names a manifest file on this machine: that stays with `berth reload`.
            throw ControlAPIError.badRequest("the dashboard cannot reload the manifest; use berth reload")
        case .dashboardLogin:
            // A session cannot mint further logins: that is the control socket owner's.
            throw ControlAPIError.badRequest("the dashboard cannot create login links; use berth dashboard")
        case .status, .scale, .start, .stop, .restart, .replica, .waitReady, .logs, .events, .runNow:
            return try await control.perform(command)
        }
    }
}

extension RoutePoint {
    init(_ series: RouteTrafficSeries, _ second: RouteWindow.Second) {
        self.init(
            route: series.route, service: series.service, second: Int(second.second), requests: second.requests,
            errors: second.errors, p50: second.p50, p99: second.p99)
    }
}
