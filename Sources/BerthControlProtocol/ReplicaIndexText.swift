/// A replica index as text, in every place one is named (`SERVICE.N` on the command line, `/replicas/N/` and
/// `?replica=N` in the control API and the dashboard): ASCII digits only and at most `maximum`, so that "+1", " 1"
/// or "1000" is refused with a clear error rather than read as another replica, or as one that cannot exist (and
/// would stream nothing).
public enum ReplicaIndexText {
    /// The highest index a replica can have: a service has at most `ControlCommand.maximumReplicas`.
    public static let maximum = ControlCommand.maximumReplicas - 1

    /// The index, or nil when `text` is not 1–3 ASCII digits naming at most `maximum`.
    public static func parse(_ text: some StringProtocol) -> Int? {
        guard text.isASCIIDigits, text.utf8.count <= String(maximum).utf8.count, let value = Int(String(text)),
            value <= maximum
        else { return nil }
        return value
    }
}

extension StringProtocol {
    /// One or more ASCII digits and nothing else: no sign, space or other script's digits (which `Int(_:)` would
    /// partly accept).
    public var isASCIIDigits: Bool {
        !utf8.isEmpty && utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
