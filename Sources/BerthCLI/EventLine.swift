import BerthControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// How `berth events` prints an event: `HH:MM:SS service.N message` (local time), control characters of the
/// message made visible (`--json` is exact).
enum EventLine {
    static func format(_ event: DaemonEvent) -> String {
        var who = event.service ?? "berthd"
        if let replica = event.replica { who += ".\(replica)" }
        return "\(clock(event.time)) \(who) \(TerminalText.visible(event.message))"
    }

    /// The local wall-clock time of `time` (seconds since the epoch; now when nil) as HH:MM:SS.
    static func clock(_ time: Double?) -> String {
        var seconds = time.map { time_t($0) } ?? Glibc.time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
