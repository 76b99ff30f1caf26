/// A control API failure that maps to an HTTP status and a stable error code.
public struct ControlAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func badRequest(_ message: String) -> Self {
        .init(status: 400, code: "bad_request", message: message)
    }
    public static func notFound(_ message: String) -> Self { .init(status: 404, code: "not_found", message: message) }
    public static func methodNotAllowed(_ message: String) -> Self {
        .init(status: 405, code: "method_not_allowed", message: message)
    }
    public static func unknownService(_ name: String) -> Self {
        .init(status: 404, code: "unknown_service", message: "no service named '\(name)'")
    }
    public static func conflict(_ message: String) -> Self { .init(status: 409, code: "conflict", message: message) }
    public static func timeout(_ message: String) -> Self { .init(status: 504, code: "timeout", message: message) }
    public static func payloadTooLarge(_ message: String) -> Self {
        .init(status: 413, code: "payload_too_large", message: message)
    }
    public static func internalError(_ message: String) -> Self {
        .init(status: 500, code: "internal", message: message)
    }

    public var response: ErrorResponse { ErrorResponse(code: code, message: message) }
}
