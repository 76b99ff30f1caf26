/// The service names the control API accepts in paths, query parameters and bodies: the manifest's rule (an ASCII
/// letter or digit, then letters, digits, `_` and `-`; see `ManifestBuilder.isValidServiceName`). Anything else,
/// such as `..`, `a/b`, a NUL or a backslash that survived percent-decoding, is refused with 400 before it reaches
/// the supervisor, so that no name can ever be read as a path.
public enum ServiceNameRule {
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetterOrDigit(first) else { return false }
        return name.utf8.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `nil` when `name` is valid, otherwise the 400 to answer.
    public static func check(_ name: String) -> ControlAPIError? {
        if isValid(name) { return nil }
        let shown = String(
            decoding: name.utf8.prefix(100).map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 },
            as: UTF8.self)
        return .badRequest(
            "invalid service name '\(shown)': use letters, digits, '_' and '-', starting with a letter or digit")
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }
}
