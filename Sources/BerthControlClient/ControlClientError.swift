public import BerthControlProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a control API call failed, worded for the CLI's users.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens on the socket (ENOENT / ECONNREFUSED).
    case noDaemon(socket: String)
    /// The socket or its directory belongs to another user (EACCES / EPERM).
    case permissionDenied(socket: String)
    /// The socket's directory, or one above it, could be replaced by another user (see `TrustedPath`).
    case untrustedPath(socket: String, reason: String)
    /// What answers on the socket runs as another user than us or root: not our daemon, so nothing is sent to it
    /// and nothing it says is shown.
    case untrustedServer(socket: String, uid: UInt32)
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
        case .untrustedPath(let socket, let reason): "refusing to use the control socket \(socket): \(reason)"
        case .untrustedServer(let socket, let uid):
            "refusing to use the control socket \(socket): it is served by uid \(uid), not by us (uid \(getuid())) "
                + "or root, so it is not our berthd"
        case .api(let error): error.message
        case .protocolError(let detail): "unexpected answer from berthd: \(detail)"
        case .timeout: "berthd did not answer in time"
        case .io(let detail): "control socket I/O error: \(detail)"
        }
    }
}
