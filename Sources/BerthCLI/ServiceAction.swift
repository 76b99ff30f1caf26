import ArgumentParser
import BerthControlProtocol

/// The options and the run of `start`, `stop` and `restart`, which differ only in the action's name.
struct ServiceActionOptions: ParsableArguments {
    @Argument(help: "The service to act on.")
    var service: String

    @Option(help: "How long to wait for the action to complete.")
    var timeout: CLIDuration = .seconds(60)

    func validate() throws {
        guard ServiceName.isValid(service) else {
            throw ValidationError("'\(service)' is not a valid service name")
        }
    }

    /// POSTs `/v1/services/SERVICE/ACTION` and returns when the daemon reports it done.
    func run(_ action: String, done: String, options: GlobalOptions) throws {
        let context = try ProjectContext.resolve(options, requireManifest: false)
        let body = WaitRequest(timeoutMilliseconds: timeout.milliseconds)
        let response = try context.operation("/v1/services/\(service)/\(action)", body: body, timeout: timeout)
        guard response.ok else { throw NotReadyReport.failure(response, summary: "\(action) \(service) failed") }
        Terminal.line(response.message.isEmpty ? "\(service): \(done)" : response.message)
    }
}
