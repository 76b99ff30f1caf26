import Foundation
import Hummingbird

/// Reading JSON request bodies and writing JSON responses, with decoding failures as 400 errors that name the field.
public enum JSONBody {
    /// The largest request body a service reads.
    public static let maxBytes = 64 * 1024

    public static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw ShopError(.contentTooLarge, "body_too_large", "the body is larger than \(maxBytes) bytes")
        }
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else { throw ShopError.badRequest("invalid_json", "the body must be a JSON object") }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw ShopError.badRequest(Self.code(error), Self.message(error))
        } catch {
            throw ShopError.badRequest("invalid_json", "the body is not valid JSON")
        }
    }

    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    static func code(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound, .valueNotFound: "missing_field"
        case .typeMismatch: "invalid_field"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "invalid_json" : "invalid_field"
        @unknown default: "invalid_json"
        }
    }

    static func message(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            "missing field '\(path(context.codingPath + [key]))'"
        case .valueNotFound(_, let context):
            "missing value for '\(path(context.codingPath))'"
        case .typeMismatch(let type, let context):
            "field '\(path(context.codingPath))' must be \(describe(type))"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty ? "the body is not valid JSON" : "field '\(path(context.codingPath))' is invalid"
        @unknown default:
            "the body could not be decoded"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        default:
            String(describing: type).hasPrefix("Array") ? "a list"
                : String(describing: type).hasPrefix("Dictionary") ? "an object" : "of another type"
        }
    }
}
