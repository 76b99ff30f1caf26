/// The contents of an `env_file`: `KEY=VALUE` lines, `#` comments, blank lines, optional `export ` and quotes.
///
/// Values are literal: no interpolation. Single quotes keep everything; double quotes understand `\"`, `\\` and
/// `\n`. Unquoted values are trimmed and end at a ` #` comment, as Compose reads them. Every bad line is reported, not only the first.
public struct EnvFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        /// 1-based line number in the file.
        public var line: Int
    }

    public struct Problem: Sendable, Equatable {
        public var message: String
        public var line: Int
        public var column: Int
    }

    public var entries: [Entry] = []
    public var problems: [Problem] = []

    /// Later entries win, as in a shell.
    public var values: [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            result[entry.key] = entry.value
        }
        return result
    }

    /// false keeps the text of bad lines out of the messages (a `secrets:` file: a broken line may be a value).
    private var quotingNames = true

    public init(parsing text: String, quotingNames: Bool = true) {
        self.quotingNames = quotingNames
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            parseLine(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine, number: index + 1)
        }
    }

    private mutating func parseLine(_ raw: Substring, number: Int) {
        var line = raw.trimmingSpaces()
        guard !line.isEmpty, !line.hasPrefix("#") else { return }
        if line.hasPrefix("export ") || line.hasPrefix("export\t") {
            line = line.dropFirst("export".count).trimmingSpaces()
        }
        let column = raw.distance(from: raw.startIndex, to: line.startIndex) + 1
        guard let equals = line.firstIndex(of: "=") else {
            problems.append(Problem(message: "expected KEY=VALUE", line: number, column: column))
            return
        }
        let key = line[..<equals].trimmingSpaces()
        guard EnvironmentName.isValid(key) else {
            let message = "invalid environment variable name" + (quotingNames ? " '\(key)'" : "")
            problems.append(Problem(message: message, line: number, column: column))
            return
        }
        let valueText = line[line.index(after: equals)...].trimmingSpaces()
        let valueColumn = raw.distance(from: raw.startIndex, to: valueText.startIndex) + 1
        switch Self.value(of: valueText) {
        case .success(let value) where value.utf8.contains(0):
            // A process's environment is C strings: the value would end at the NUL (audit11).
            problems.append(Problem(message: Self.nulMessage, line: number, column: valueColumn))
        case .success(let value):
            entries.append(Entry(key: String(key), value: value, line: number))
        case .failure(let problem):
            problems.append(Problem(message: problem.message, line: number, column: valueColumn))
        }
    }

    /// Why a value holding a NUL character is refused; public, as the manifest's `env` and `command` say the same.
    public static let nulMessage =
        "the value contains a NUL character, where a process's environment and arguments end: it would be cut there"

    private struct ValueProblem: Error {
        var message: String
    }

    private static func value(of text: Substring) -> Result<String, ValueProblem> {
        guard let quote = text.first, quote == "'" || quote == "\"" else {
            // As Compose reads `.env` (audit3): ` #` after an unquoted value starts a comment (`PORT=8080 # web`
            // was the value "8080 # web"); a `#` not after a blank stays (`PASS=a#b`). Quote a value that holds " #".
            var end = text.endIndex
            var index = text.startIndex
            while index < text.endIndex {
                if text[index] == "#", index > text.startIndex,
                    text[text.index(before: index)] == " "
                        || text[text.index(before: index)] == "\t"
                {
                    end = index
                    break
                }
                index = text.index(after: index)
            }
            return .success(String(text[..<end].trimmingSpaces()))
        }
        var value = ""
        var escaped = false
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                switch character {
                case "n": value.append("\n")
                case "\"", "\\": value.append(character)
                default: value += "\\\(character)"
                }
                escaped = false
            } else if character == "\\", quote == "\"" {
                escaped = true
            } else if character == quote {
                let rest = text[text.index(after: index)...].trimmingSpaces()
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    return .failure(ValueProblem(message: "unexpected text after the closing quote"))
                }
                return .success(value)
            } else {
                value.append(character)
            }
            index = text.index(after: index)
        }
        return .failure(ValueProblem(message: "unbalanced \(quote == "'" ? "single" : "double") quote in value"))
    }
}
