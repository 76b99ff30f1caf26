import BerthControlClient
import BerthControlProtocol

extension CLIFailure {
    /// Maps every client error to an exit status and a one-line message; `project` names the daemon in it.
    init(_ error: ControlClientError, project: String) {
        switch error {
        case .noDaemon(let socket):
            let hint = "start it with 'berth up'"
            self.init(.noDaemon, "no daemon running for \(project) (nothing answers on \(socket)); \(hint)")
        case .permissionDenied(let socket):
            let owner = "the daemon of \(project) belongs to another user"
            self.init(.permissionDenied, "permission denied on \(socket): \(owner)")
        case .untrustedPath, .untrustedServer:
            self.init(.permissionDenied, error.description)
        case .api(let apiError):
            self.init(.failure, "the daemon refused the request: \(apiError.message) (\(apiError.code))")
        case .protocolError(let detail):
            self.init(.failure, "unexpected answer from the daemon of \(project): \(detail)")
        case .timeout:
            self.init(.failure, "the daemon of \(project) did not answer in time")
        case .io(let detail):
            self.init(.failure, "lost the connection to the daemon of \(project): \(detail)")
        }
    }
}
