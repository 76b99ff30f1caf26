#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decoding of control API request bodies: strict (unknown keys are refused, so a typo such as `timeout` instead
/// of `timeout_ms` is an error rather than silently ignored) and with messages that say which field is wrong.
enum JSONBody {
    /// Whether `body` is empty or only whitespace: optional bodies may be omitted.
    static func isEmpty(_ body: [UInt8]) -> Bool {
        body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    static func decode<T: Decodable>(
        _ type: T.Type,
        from body: [UInt8],
        allowedKeys: Set<String>
    ) throws(ControlAPIError) -> T {
        let decoder = JSONDecoder()
        do {
            let keys = try decoder.decode(TopLevelKeys.self, from: Data(body)).keys
            if let unknown = keys.sorted().first(where: { !allowedKeys.contains($0) }) {
                let expected = allowedKeys.sorted().joined(separator: ", ")
                throw ControlAPIError.badRequest(
                    "unknown field '\(unknown)' in the request body (expected: \(expected))"
                )
            }
            if let duplicate = JSONDuplicateKeys.first(in: body) {
                throw ControlAPIError.badRequest("duplicate field '\(duplicate)' in the request body")
            }
            return try decoder.decode(T.self, from: Data(body))
        } catch let error as ControlAPIError {
            throw error
        } catch let error as DecodingError {
            // Some decoders report a number that does not fit an Int (1.5, 1e30) as "not valid JSON" with no path.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let field = nonIntegerField(body) {
                throw .badRequest("field '\(field)': expected an integer")
            }
            throw .badRequest(message(for: error))
        } catch {
            throw .badRequest("malformed JSON body")
        }
    }

    static func message(for error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(path(context))': expected \(describe(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context))': expected \(describe(type)), got null"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent.isEmpty
                ? "missing field '\(key.stringValue)'" : "missing field '\(parent).\(key.stringValue)'"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "malformed JSON body"
            }
            return "field '\(path(context))': invalid value"
        @unknown default:
            return "malformed JSON body"
        }
    }

    /// The path of the first number in the body that is not a representable integer, if any.
    private static func nonIntegerField(_ body: [UInt8]) -> String? {
        guard let object = try? JSONDecoder().decode([String: LooseValue].self, from: Data(body)) else { return nil }
        return LooseValue.object(object).firstNonInteger(path: "")
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is [String: Int].Type, is [String: Any].Type: "an object"
        default: "\(type)"
        }
    }
}

/// The keys of a top-level JSON object; decoding anything else (array, string, number) fails with a clear message.
private struct TopLevelKeys: Decodable {
    var keys: [String]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<AnyKey>
        do {
            container = try decoder.container(keyedBy: AnyKey.self)
        } catch DecodingError.typeMismatch {
            throw ControlAPIError.badRequest("the request body must be a JSON object")
        }
        keys = container.allKeys.map(\.stringValue)
    }
}

/// Any JSON value, reduced to what `nonIntegerField` needs.
private indirect enum LooseValue: Decodable {
    case number(Double)
    case object([String: LooseValue])
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let object = try? container.decode([String: LooseValue].self) {
            self = .object(object)
        } else {
            self = .other
        }
    }

    func firstNonInteger(path: String) -> String? {
        switch self {
        case .number(let value):
            let representable = value.rounded() == value && abs(value) < 9.2e18
            return representable ? nil : path
        case .object(let members):
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                if let found = value.firstNonInteger(path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return nil
        case .other:
            return nil
        }
    }
}
