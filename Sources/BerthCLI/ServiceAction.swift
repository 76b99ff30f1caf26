import ArgumentParser
import BerthControlProtocol

/// The options and the run of `start`, `stop` and `restart`, which differ only in the action's name: on a whole
/// service (`web`) or on one replica (`web.1`).
struct ServiceActionOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp("The service to act on, or one replica of it (web.1).", valueName: "service[.n]"),
        completion: ServiceCompletion.services)
    var service: String

    @Option(
        parsing: .unconditional, help: "How long to wait for the action to complete. (default: 60s)",
        transform: CLIDuration.parse)
    var timeout: CLIDuration = .seconds(60)

    func validate() throws {
        guard LogTarget(service) != nil else {
            throw ValidationError("'\(service)' is not a service or replica: \(LogTarget.expected)")
        }
    }

    /// POSTs `/v1/services/SERVICE/ACTION` (or `/v1/services/SERVICE/replicas/N/ACTION`) and returns when the
    /// daemon reports it done.
    func run(_ action: String, done: String, options: GlobalOptions) throws {
        let context = try ProjectContext.resolve(options, requireManifest: false)
        let response = try Self.post(context, action: action, service: service, timeout: timeout)
        Terminal.line(response.message.isEmpty ? "\(service): \(done)" : response.message)
    }

    /// POSTs one action on `service` (`web` or `web.1`); a failure unless the daemon reports it done.
    @discardableResult
    static func post(
        _ context: ProjectContext, action: String, service: String, timeout: CLIDuration
    ) throws
        -> OperationResponse
    {
        let body = WaitRequest(timeoutMilliseconds: timeout.milliseconds)
        guard let target = LogTarget(service) else {
            throw CLIFailure(.usage, "'\(service)' is not a service or replica: \(LogTarget.expected)")
        }
        let path =
            target.replica.map { "/v1/services/\(target.service)/replicas/\($0)/\(action)" }
            ?? "/v1/services/\(target.service)/\(action)"
        let response = try context.operation(path, body: body, timeout: timeout)
        guard response.ok else { throw NotReadyReport.failure(response, summary: "\(action) \(service) failed") }
        return response
    }
}
