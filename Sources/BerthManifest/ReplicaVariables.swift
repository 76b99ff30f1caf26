/// Variables whose value differs per replica (`${PORT}`, `${BERTH_REPLICA}`, ...), usable in `command`, `env` values
/// and exec probes.
///
/// The manifest is interpolated once, when it is loaded, but these values exist only when a replica starts. The
/// loader therefore leaves each reference as a placeholder (delimited by private-use characters that YAML text
/// never carries in practice), and the supervisor fills the placeholders in for each replica with `expand`.
/// `display` turns placeholders back into `${NAME}` for people and exporters.
public enum ReplicaVariables {
    public static let names: Set<String> = [
        "PORT", "BERTH_REPLICA", "BERTH_SERVICE", "BERTH_PROJECT", "BERTH_GATEWAY_URL", "BERTH_INSTANCE",
    ]

    static let open: Character = "\u{E000}"
    static let close: Character = "\u{E001}"

    /// The placeholder for `${body}` (body is `NAME` or `NAME:-default`).
    static func placeholder(_ body: String) -> String {
        "\(open)\(body)\(close)"
    }

    /// Whether `text` holds a placeholder.
    public static func hasPlaceholders(_ text: String) -> Bool {
        text.contains(open)
    }

    /// Fills the placeholders of `template` from `values`; an unset or empty value takes the reference's default,
    /// or becomes empty.
    public static func expand(_ template: String, values: [String: String]) -> String {
        replace(template) { body in
            let (name, fallback) = split(body)
            if let value = values[name], !value.isEmpty { return value }
            return fallback ?? ""
        }
    }

    /// `template` as written in the manifest: placeholders shown as `${NAME}`.
    public static func display(_ template: String) -> String {
        replace(template) { "${\($0)}" }
    }

    private static func split(_ body: String) -> (String, String?) {
        guard let range = body.firstRange(of: ":-") else { return (body, nil) }
        return (String(body[..<range.lowerBound]), String(body[range.upperBound...]))
    }

    private static func replace(_ template: String, with value: (String) -> String) -> String {
        guard hasPlaceholders(template) else { return template }
        var result = ""
        var body: String?
        for character in template {
            if character == open {
                body = ""
            } else if character == close, let current = body {
                result += value(current)
                body = nil
            } else if body != nil {
                body!.append(character)
            } else {
                result.append(character)
            }
        }
        return result
    }
}
