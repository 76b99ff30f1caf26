public import BerthControlProtocol

/// Why a control API call failed, worded for the CLI's users.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens on the socket (ENOENT / ECONNREFUSED).
    case noDaemon(socket: String)
    /// The socket or its directory belongs to another user (EACCES / EPERM).
    case permissionDenied(socket: String)
    /// The daemon answered with an error document.
    case api(ControlAPIError)
    /// The daemon's answer was not the HTTP/JSON this client speaks.
    case protocolError(String)
    /// No answer within the call's timeout.
    case timeout
    case io(String)

    public var description: String {
        switch self {
        case .noDaemon(let socket): "no berthd is running for this project (socket \(socket))"
        case .permissionDenied(let socket): "permission denied on \(socket): the daemon belongs to another user"
        case .api(let error): error.message
        case .protocolError(let detail): "unexpected answer from berthd: \(detail)"
        case .timeout: "berthd did not answer in time"
        case .io(let detail): "control socket I/O error: \(detail)"
        }
    }
}
