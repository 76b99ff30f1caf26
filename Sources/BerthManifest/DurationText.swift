/// The manifest's duration syntax (`250ms`, `1.5s`, `1m30s`, a bare number of seconds), parsed exactly to nanoseconds.
public enum DurationText {
    private static let units: [String: Int64] = [
        "ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Parses a duration; a leading `-` gives a negative duration (callers reject it). Nil when malformed.
    public static func parse(_ text: String) -> Duration? {
        var rest = text.trimmingSpaces()
        var sign: Int64 = 1
        if rest.hasPrefix("-") {
            sign = -1
            rest = rest.dropFirst()
        } else if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        var isFirst = true
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Int64
            if unit.isEmpty {
                guard isFirst, rest.isEmpty else { return nil }
                scale = units["s"]!
            } else {
                guard let known = units[String(unit)] else { return nil }
                scale = known
            }
            guard let nanos = nanoseconds(String(number), scale: scale) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(nanos)
            guard !overflow else { return nil }
            total = sum
            isFirst = false
        }
        return .nanoseconds(sign * total)
    }

    /// Formats in the syntax `parse` reads: `0s`, `250ms`, `2s`, `1.5s`, `1m30s`, `2h`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        guard nanos != 0 else { return "0s" }
        var text = ""
        if nanos < 0 {
            text = "-"
            nanos = -nanos
        }
        let hours = nanos / units["h"]!
        let minutes = nanos % units["h"]! / units["m"]!
        let wholeSeconds = nanos % units["m"]! / units["s"]!
        let fraction = nanos % units["s"]!
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if fraction == 0 {
            if wholeSeconds > 0 { text += "\(wholeSeconds)s" }
        } else if wholeSeconds == 0, fraction % 1_000_000 == 0 {
            text += "\(fraction / 1_000_000)ms"
        } else {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "\(wholeSeconds).\(digits)s"
        }
        return text
    }

    private static func nanoseconds(_ number: String, scale: Int64) -> Int64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty || parts.count == 2 else { return nil }
        guard parts.count == 1 || !parts[1].isEmpty else { return nil }
        let whole = parts[0].isEmpty ? 0 : Int64(parts[0])
        guard let whole else { return nil }
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return product }
        let digits = parts[1].prefix(18)
        guard let fractionValue = Int64(digits) else { return nil }
        var divisor = 1.0
        for _ in 0..<digits.count { divisor *= 10 }
        let fraction = Int64((Double(fractionValue) / divisor * Double(scale)).rounded())
        return product + fraction
    }
}
