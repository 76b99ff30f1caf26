/// The `-p` value of `berth logs`, as journalctl takes it: a name (`err`) or a number (`3`), meaning that priority
/// and every more urgent one.
public enum SyslogPriority {
    public static let names = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    /// 0-7, or nil when `text` names no priority.
    public static func parse(_ text: String) -> Int? {
        let lowered = text.lowercased()
        if let number = Int(lowered), (0...7).contains(number) { return number }
        if let index = names.firstIndex(of: lowered) { return index }
        switch lowered {
        case "emergency", "panic": return 0
        case "critical": return 2
        case "error": return 3
        case "warn": return 4
        default: return nil
        }
    }
}
