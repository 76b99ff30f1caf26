/// The gRPC status codes the gateway itself answers with (a subset of grpc/status.proto), so that a gRPC client
/// sees why its call failed in its own terms instead of an HTTP status it does not read.
public enum GRPCStatus: Int, Sendable, Equatable {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case resourceExhausted = 8
    case unimplemented = 12
    case internalError = 13
    case unavailable = 14

    /// The HTTP status the same failure gets when the client is not speaking gRPC.
    public var httpStatus: Int {
        switch self {
        case .ok: 200
        case .cancelled: 499
        case .unknown: 502
        case .invalidArgument: 400
        case .deadlineExceeded: 504
        case .resourceExhausted: 429
        case .unimplemented: 404
        case .internalError: 502
        case .unavailable: 503
        }
    }
}
