/// A replica index as text, in every place one is named (`SERVICE.N` on the command line, `/replicas/N/` and
/// `?replica=N` in the control API and the dashboard): ASCII digits only and at most `maximum`, so that "+1", " 1"
/// or "1000" is refused with a clear error rather than read as another replica, or as one that cannot exist (and
/// would stream nothing).
public enum ReplicaIndexText {
    /// The highest index a replica can have: a service has at most `ControlCommand.maximumReplicas`.
    public static let maximum = ControlCommand.maximumReplicas - 1

    /// The index, or nil when `text` is not 1–3 ASCII digits naming at most `maximum`.
    public static func parse(_ text: some StringProtocol) -> Int? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= String(maximum).utf8.count,
            bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(String(text)), value <= maximum
        else { return nil }
        return value
    }
}
