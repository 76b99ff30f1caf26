import BerthControlProtocol
import BerthControlServer
import BerthSupervisor

/// The control API's operations, answered by the supervisor.
struct DaemonControl: ControlService {
    let supervisor: Supervisor
    let service: SupervisorService

    func status() async -> StatusResponse {
        await supervisor.status()
    }

    func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        let answer = try await supervisor.perform(command)
        if case .down = command {
            // Let the response reach the client before the control server goes away with the group.
            let service = self.service
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                service.downCompleted()
            }
        }
        return answer
    }

    func logs(_ query: LogQuery) async throws(ControlAPIError) -> AsyncStream<LogEntry> {
        if let name = query.service, await !supervisor.hasService(name) {
            throw ControlAPIError.unknownService(name)
        }
        return supervisor.logs.lines(query)
    }
}
