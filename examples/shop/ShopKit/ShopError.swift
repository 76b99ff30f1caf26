import Foundation
import Hummingbird

/// An error a service answers with: its HTTP status and a JSON body `{"error":{"code","message"}}`.
///
/// Every handler turns bad input into one of these, so a client always gets a 4xx JSON error and never a 500.
public struct ShopError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable name such as `insufficient_stock`.
    public var code: String
    public var message: String
    /// Extra fields of the error object (e.g. the `order_id` of a failed order).
    public var details: [String: String]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = details
        fields["code"] = code
        fields["message"] = message
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(["error": fields])
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    public static func badRequest(_ code: String, _ message: String) -> ShopError {
        ShopError(.badRequest, code, message)
    }

    public static func unauthorized(_ message: String) -> ShopError {
        ShopError(.unauthorized, "unauthorized", message)
    }

    public static func notFound(_ message: String) -> ShopError {
        ShopError(.notFound, "not_found", message)
    }
}
