import GRPCCore
import ShopKit

/// The shop's errors on gRPC: a status code for generic clients, the shop's stable error code (the same names as
/// the REST API's `error.code`) in the trailing metadata `shop-error-code`, so the saga decides on the code, not on
/// the wording of the message.
public enum ShopRPCError {
    /// The metadata key that carries the shop's error code.
    public static let codeKey = "shop-error-code"

    /// The gRPC form of a `ShopError`: its HTTP status mapped to the nearest gRPC status, its code in metadata.
    public static func from(_ error: ShopError) -> RPCError {
        let code: RPCError.Code =
            switch error.status.code {
            case 400: .invalidArgument
            case 401: .unauthenticated
            case 403: .permissionDenied
            case 404: .notFound
            case 402, 409, 422: .failedPrecondition
            case 429: .resourceExhausted
            case 503: .unavailable
            default: .internalError
            }
        return RPCError(code: code, message: error.message, metadata: [codeKey: .string(error.code)])
    }

    /// Runs a handler body, turning the `ShopError`s it throws into `RPCError`s; other errors pass unchanged
    /// (grpc-swift answers them with `UNKNOWN`, which callers treat as an unknown outcome).
    public static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ShopError {
            throw from(error)
        }
    }

    /// Whether a failed call may still have had its effect (or never arrived): the caller must take it again.
    /// Everything else is a definite answer from the service.
    public static func isOutcomeUnknown(_ code: RPCError.Code) -> Bool {
        switch code {
        case .unavailable, .deadlineExceeded, .cancelled, .unknown, .internalError, .resourceExhausted, .aborted,
            .dataLoss, .unimplemented:
            true
        default:
            false
        }
    }

    /// The shop's error code of a failed call: the metadata's, or `grpc_STATUS` when a server did not set one.
    public static func shopCode(of error: RPCError) -> String {
        for value in error.metadata[stringValues: codeKey] { return value }
        return "grpc_\(error.code)"
    }
}
