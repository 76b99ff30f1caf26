/// A YAML value as the exporters build it; written with sorted mapping keys so that output diffs well in git.
enum YAMLNode: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case mapping([String: YAMLNode])
    case sequence([YAMLNode])

    /// One YAML document (no `---` separator), ending in a newline.
    var document: String {
        var lines: [String] = []
        Self.emit(self, indent: 0, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func emit(_ node: YAMLNode, indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        switch node {
        case .mapping(let mapping) where !mapping.isEmpty:
            for key in mapping.keys.sorted() {
                let value = mapping[key]!
                let label = pad + YAMLScalar.quoted(key) + ":"
                if let inline = value.inline {
                    lines.append(label + " " + inline)
                } else if case .sequence = value {
                    lines.append(label)
                    emit(value, indent: indent, into: &lines)
                } else {
                    lines.append(label)
                    emit(value, indent: indent + 2, into: &lines)
                }
            }
        case .sequence(let items) where !items.isEmpty:
            for item in items {
                if let inline = item.inline {
                    lines.append(pad + "- " + inline)
                    continue
                }
                var nested: [String] = []
                emit(item, indent: indent + 2, into: &nested)
                guard let first = nested.first else { continue }
                lines.append(pad + "- " + first.dropFirst(indent + 2))
                lines.append(contentsOf: nested.dropFirst())
            }
        default:
            lines.append(pad + (node.inline ?? ""))
        }
    }

    /// The one-line form of scalars and empty collections; nil for collections that need lines of their own.
    private var inline: String? {
        switch self {
        case .string(let text): YAMLScalar.quoted(text)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .mapping(let mapping): mapping.isEmpty ? "{}" : nil
        case .sequence(let items): items.isEmpty ? "[]" : nil
        }
    }
}

/// When a YAML string may be written plain and how to double-quote it otherwise.
enum YAMLScalar {
    private static let reserved: Set<String> = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ]

    static func quoted(_ text: String) -> String {
        isPlainSafe(text) ? text : doubleQuoted(text)
    }

    /// Letters, digits and `_ . / - :` only, starting with a letter or `/`, not ending in `:`, and not a word that
    /// YAML 1.1 reads as a bool or null.
    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "/", text.last != ":" else {
            return false
        }
        guard !reserved.contains(text.lowercased()) else { return false }
        return text.allSatisfy { character in
            character.isASCII && (character.isLetter || character.isNumber || "_./-:".contains(character))
        }
    }

    static func doubleQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
