public import BerthManifest
import Yams

/// Reads one manifest section: reports unknown keys against the schema, then hands out typed values,
/// reporting every value of the wrong type at its position.
struct MappingReader {
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    let node: Node
    let entries: [Entry]
    /// Keys that are not in the section (already reported).
    let unknownKeys: [String]
    let context: LoadContext

    /// Nil (with a diagnostic) when `node` is not a mapping. `owner` names the section in messages.
    init?(_ node: Node, key: String, section: ManifestSchema.Section, owner: String, context: LoadContext) {
        guard let all = Self.entries(of: node, key: key, context: context) else { return nil }
        var known: [Entry] = []
        var unknown: [String] = []
        for entry in all {
            if section.keys.contains(entry.key) {
                known.append(entry)
            } else {
                unknown.append(entry.key)
                let hint = context.hint(for: entry.key, among: section.keys)
                context.error("unknown key '\(entry.key)' in \(owner)\(hint)", at: entry.keyNode)
            }
        }
        self.node = node
        self.entries = known
        self.unknownKeys = unknown
        self.context = context
    }

    /// The string-keyed entries of a free-form mapping; nil (with a diagnostic) when `node` is not a mapping.
    static func entries(of node: Node, key: String, context: LoadContext) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            context.error("'\(key)' must be a mapping, got \(node.summary)", at: node)
            return nil
        }
        var result: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode, !keyNode.isNull else {
                context.error("keys in '\(key)' must be strings, got \(keyNode.summary)", at: keyNode)
                continue
            }
            result.append(Entry(key: scalar.string, keyNode: keyNode, value: value))
        }
        return result
    }

    /// The value of `key`; nil when absent or null.
    subscript(_ key: String) -> Node? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    func keyNode(_ key: String) -> Node? {
        entries.first { $0.key == key }?.keyNode
    }

    func keyLocation(_ key: String) -> SourceLocation? {
        context.location(keyNode(key))
    }

    /// Dotted key path -> key location for every known key of this section.
    func keyLocations(prefix: String) -> [String: SourceLocation] {
        var result: [String: SourceLocation] = [:]
        for entry in entries {
            result[prefix.isEmpty ? entry.key : prefix + "." + entry.key] = context.location(entry.keyNode)
        }
        return result
    }

    func string(_ key: String) -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value.text else {
            context.error("'\(key)' must be a string, got \(value.summary)", at: value)
            return nil
        }
        return text
    }

    /// A string naming a file, an account, an image, a URL, an HTTP path or a token: one with a control character
    /// is an error at its value, and nil (see `ControlCharacters`, audit12). `label` names the key in the message
    /// (`build.workdir`).
    func visibleString(_ key: String, label: String? = nil) -> String? {
        guard let text = string(key) else { return nil }
        return context.visible(text, key: label ?? key, at: self[key])
    }

    func int(_ key: String, minimum: Int) -> Int? {
        guard let value = self[key] else { return nil }
        guard let text = value.text, let number = Int(text) else {
            context.error("'\(key)' must be an integer, got \(value.summary)", at: value)
            return nil
        }
        guard number >= minimum else {
            context.error("'\(key)' must be >= \(minimum), got \(number)", at: value)
            return nil
        }
        return number
    }

    func bool(_ key: String) -> Bool? {
        guard let value = self[key] else { return nil }
        switch value.text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            context.error("'\(key)' must be true or false, got \(value.summary)", at: value)
            return nil
        }
    }

    func double(_ key: String, range: ClosedRange<Double>) -> Double? {
        guard let value = self[key] else { return nil }
        guard let text = value.text, let number = Double(text), number.isFinite else {
            context.error("'\(key)' must be a number, got \(value.summary)", at: value)
            return nil
        }
        guard range.contains(number) else {
            let upper = range.upperBound == .greatestFiniteMagnitude ? "" : " and <= \(range.upperBound)"
            context.error("'\(key)' must be >= \(range.lowerBound)\(upper), got \(text)", at: value)
            return nil
        }
        return number
    }

    /// A duration; `positive` requires it to be > 0, otherwise >= 0.
    func duration(_ key: String, positive: Bool = false) -> Duration? {
        guard let value = self[key] else { return nil }
        guard let text = value.text, let duration = DurationText.parse(text) else {
            context.error(
                "'\(key)' is not a valid duration: \(value.summary) (use e.g. 250ms, 2s, 1m30s)", at: value)
            return nil
        }
        if positive, duration <= .zero {
            context.error("'\(key)' must be greater than 0, got \(text)", at: value)
            return nil
        }
        if duration < .zero {
            context.error("'\(key)' must not be negative, got \(text)", at: value)
            return nil
        }
        return duration
    }
}
