/// Expands `${VAR}`, `${VAR:-default}` and `$$` in manifest values from the caller's environment.
///
/// A `$` not followed by `{` or `$` is kept as is, so `$PORT` reaches the program (or its `sh -c`) untouched.
public enum Interpolation {
    /// - Parameter deferring: names left as `ReplicaVariables` placeholders, to be filled in per replica.
    public static func expand(
        _ text: String,
        environment: [String: String],
        deferring: Set<String> = []
    ) throws(InterpolationError) -> String {
        guard text.contains("$") else { return text }
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                result.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "$" {
                result.append("$")
                index += 2
                continue
            }
            guard next == "{" else {
                result.append(character)
                index += 1
                continue
            }
            guard let close = characters[(index + 2)...].firstIndex(of: "}") else {
                throw .unterminated(offset: index)
            }
            let body = String(characters[(index + 2)..<close])
            let name: String
            let fallback: String?
            if let range = body.firstRange(of: ":-") {
                name = String(body[..<range.lowerBound])
                fallback = String(body[range.upperBound...])
            } else {
                name = body
                fallback = nil
            }
            if deferring.contains(ServiceAddress.anyReference), ServiceAddress(reference: name) != nil {
                // Another service's address: known once that service runs (`ServiceAddress`).
                result += ReplicaVariables.placeholder(body)
                index = close + 1
                continue
            }
            guard EnvironmentName.isValid(name) else {
                throw .invalidName(name, offset: index)
            }
            if deferring.contains(name) {
                result += ReplicaVariables.placeholder(body)
            } else if let value = environment[name], !(value.isEmpty && fallback != nil) {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw .unsetVariable(name, offset: index)
            }
            index = close + 1
        }
        return result
    }
}

/// Why a value could not be interpolated; `offset` is the character offset of the `$` in the value.
public enum InterpolationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsetVariable(String, offset: Int)
    case unterminated(offset: Int)
    case invalidName(String, offset: Int)

    public var offset: Int {
        switch self {
        case .unsetVariable(_, let offset), .unterminated(let offset), .invalidName(_, let offset):
            return offset
        }
    }

    public var description: String {
        switch self {
        case .unsetVariable(let name, _):
            return "variable \(name) is not set; use ${\(name):-default}"
        case .unterminated:
            return "unterminated '${' in value; write '$$' for a literal '$'"
        case .invalidName(let name, _):
            return "invalid variable name '\(name)' in '${...}'"
        }
    }
}
