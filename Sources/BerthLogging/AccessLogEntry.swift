#if canImport(Glibc)
    import Glibc
#endif

/// One line of the gateway's access log read back for `berth logs --access`: its fields in order (`time=…
/// method=GET path=/x status=200 replica=web.1 …`, see the gateway's `AccessLogLine`), with the time and the replica
/// taken out for filtering.
///
/// Pure: a line in, the entry out. A line that is not in the format (a file edited by hand) is kept with no time and
/// no replica: it is printed, never dropped, unless a filter needs what it lacks.
public struct AccessLogEntry: Sendable, Equatable {
    /// One `key=value` field.
    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public var line: String
    public var fields: [Field]
    /// Seconds since the epoch, from `time=2026-12-05T15:58:10.123Z`.
    public var time: Double?
    /// The service of `replica=web.1` or `replica=web.-` (nil for `-`: refused before routing).
    public var service: String?
    /// The replica index of `replica=web.1` (nil for `web.-`: no replica answered).
    public var replica: Int?

    public init(line: String) {
        self.line = line
        fields = line.split(separator: " ", omittingEmptySubsequences: true).map { part in
            guard let equals = part.firstIndex(of: "=") else { return Field(key: String(part), value: "") }
            return Field(key: String(part[..<equals]), value: String(part[part.index(after: equals)...]))
        }
        if let text = fields.first(where: { $0.key == "time" })?.value { time = Self.parseTime(text) }
        if let label = fields.first(where: { $0.key == "replica" })?.value, label != "-",
            let dot = label.lastIndex(of: ".")
        {
            service = String(label[..<dot])
            replica = Int(label[label.index(after: dot)...])
        }
    }

    /// `2026-12-05T15:58:10.123Z` (UTC, as the gateway writes it) as seconds since the epoch; nil for another form.
    static func parseTime(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == UInt8(ascii: $0.1.unicodeScalars.first!) }) else { return nil }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction = 0.0
        if bytes[19] == UInt8(ascii: "."), bytes.count > 21, let digits = number(20..<(bytes.count - 1)) {
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes.count != 20 {
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts)) + fraction
    }

    /// The fields as one JSON object, values as strings, in the line's order (for `--json`).
    public var json: String {
        "{" + fields.map { "\(Self.quoted($0.key)):\(Self.quoted($0.value))" }.joined(separator: ",") + "}"
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Which access-log lines `berth logs --access` prints: of some services or replicas (by the `replica` field), in a
/// time window.
public struct AccessLogQuery: Sendable, Equatable {
    public var targets: [LogFilter.Target]
    public var since: Double?
    public var until: Double?

    public init(targets: [LogFilter.Target] = [], since: Double? = nil, until: Double? = nil) {
        self.targets = targets
        self.since = since
        self.until = until
    }

    public func matches(_ entry: AccessLogEntry) -> Bool {
        if since != nil || until != nil {
            guard let time = entry.time else { return false }
            if let since, time < since { return false }
            if let until, time > until { return false }
        }
        guard !targets.isEmpty else { return true }
        guard let service = entry.service else { return false }
        return targets.contains { target in
            target.service == service && (target.replica == nil || target.replica == entry.replica)
        }
    }
}
