/// One sd_notify datagram: newline-separated `KEY=VALUE` assignments (`READY=1`, `STATUS=...`, `WATCHDOG=1`,
/// `STOPPING=1`, `RELOADING=1`, `MAINPID=N`, `ERRNO=N`, ...). Pure, so it is tested without sockets.
public struct NotifyMessage: Sendable, Equatable {
    public var ready = false
    public var stopping = false
    public var reloading = false
    public var watchdog = false
    /// `WATCHDOG=trigger`: the service asks to be treated as failed at once.
    public var watchdogTrigger = false
    public var status: String?
    public var mainPID: Int32?
    public var errno: Int32?
    /// Every assignment, in order, including those Berth does not act on.
    public var fields: [(key: String, value: String)] = []

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.ready == rhs.ready && lhs.stopping == rhs.stopping && lhs.reloading == rhs.reloading
            && lhs.watchdog == rhs.watchdog && lhs.watchdogTrigger == rhs.watchdogTrigger && lhs.status == rhs.status
            && lhs.mainPID == rhs.mainPID && lhs.errno == rhs.errno
            && lhs.fields.map(\.key) == rhs.fields.map(\.key) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    /// Parses a datagram; lines without `=` (and empty lines) are ignored, as systemd does.
    public static func parse(_ bytes: some Collection<UInt8>) -> NotifyMessage {
        var message = NotifyMessage()
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")), equals != line.startIndex else { continue }
            let key = String(decoding: line[line.startIndex..<equals], as: UTF8.self)
            let value = String(decoding: line[line.index(after: equals)...], as: UTF8.self)
            message.fields.append((key, value))
            switch key {
            case "READY": message.ready = value == "1"
            case "STOPPING": message.stopping = value == "1"
            case "RELOADING": message.reloading = value == "1"
            case "WATCHDOG":
                message.watchdog = value == "1"
                message.watchdogTrigger = value == "trigger"
            case "STATUS": message.status = value
            case "MAINPID": message.mainPID = Int32(value)
            case "ERRNO": message.errno = Int32(value)
            default: break
            }
        }
        return message
    }

    /// The datagram for `assignments` (a STATUS text is kept to its first line).
    public static func encode(_ assignments: [(key: String, value: String)]) -> [UInt8] {
        Array(
            assignments.map { key, value in
                "\(key)=\(value.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")"
            }.joined(separator: "\n").utf8
        )
    }
}
