/// Splits a command string into arguments the way a POSIX shell would quote them, without any other shell feature.
///
/// Whitespace separates words; single quotes keep everything literally; double quotes keep everything except
/// `\"`, `\\`, `\$` and `` \` ``; outside quotes a backslash escapes the next character. No globbing, variables,
/// pipes or redirections: `|` and `>` are ordinary characters.
public enum CommandLineSplitter {
    public static func split(_ text: String) throws(CommandLineSplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: (character: Character, offset: Int)?
        var escaped = false
        for (offset, character) in text.enumerated() {
            if escaped {
                if let active = quote, active.character == "\"", !"\"\\$`\n".contains(character) {
                    current.append("\\")
                }
                if character != "\n" || quote != nil { current.append(character) }
                escaped = false
                continue
            }
            if let active = quote {
                if character == active.character {
                    quote = nil
                } else if character == "\\", active.character == "\"" {
                    escaped = true
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'", "\"":
                quote = (character, offset)
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            default:
                current.append(character)
                inWord = true
            }
        }
        if let active = quote {
            throw .unbalancedQuote(active.character, offset: active.offset)
        }
        if escaped {
            throw .trailingBackslash
        }
        if inWord {
            words.append(current)
        }
        return words
    }
}

/// Why a command string could not be split.
public enum CommandLineSplitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A quote opened at this character offset is never closed.
    case unbalancedQuote(Character, offset: Int)
    /// The string ends with a lone backslash.
    case trailingBackslash

    public var description: String {
        switch self {
        case .unbalancedQuote(let quote, _):
            return "unbalanced \(quote == "'" ? "single" : "double") quote"
        case .trailingBackslash:
            return "lone backslash at the end"
        }
    }
}
