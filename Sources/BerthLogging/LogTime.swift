/// Parses `--since` / `--until` values the way journalctl takes them: `2026-12-01 12:00:00`, `2026-12-01 12:00`,
/// `2026-12-01`, `12:00`, `12:00:30`, `now`, `today`, `yesterday`, `tomorrow`, and relative `-10m`, `-2h`, `-1d`,
/// `-30s`, `+5m` (units s, m, h, d, w, also `min`, `sec`, ...). Local times use the given time zone offset, so the
/// function is pure.
public enum LogTime {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String {
            "'\(text)' is not a time: use '2026-12-01 12:00:00', '12:00', 'today', 'yesterday' or '-10m'"
        }
    }

    /// Seconds since the epoch. `now` is the current time (seconds since the epoch); `utcOffset` the local zone's
    /// offset from UTC in seconds at that time.
    public static func parse(_ text: String, now: Double, utcOffset: Int) throws(ParseError) -> Double {
        let trimmed = text.trimmingSpaces()
        let failure = ParseError(text: text)
        let localNow = now + Double(utcOffset)
        let startOfToday = (localNow / 86_400).rounded(.down) * 86_400 - Double(utcOffset)
        switch trimmed {
        case "now": return now
        case "today": return startOfToday
        case "yesterday": return startOfToday - 86_400
        case "tomorrow": return startOfToday + 86_400
        default: break
        }
        if let sign = trimmed.first, sign == "-" || sign == "+" {
            guard let seconds = relativeSeconds(trimmed.dropFirst()) else { throw failure }
            return sign == "-" ? now - seconds : now + seconds
        }
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        switch parts.count {
        case 1 where parts[0].contains(":"):
            guard let clock = clockSeconds(parts[0]) else { throw failure }
            return startOfToday + clock
        case 1:
            guard let day = daysSinceEpoch(parts[0]) else { throw failure }
            return Double(day) * 86_400 - Double(utcOffset)
        case 2:
            guard let day = daysSinceEpoch(parts[0]), let clock = clockSeconds(parts[1]) else { throw failure }
            return Double(day) * 86_400 + clock - Double(utcOffset)
        default:
            throw failure
        }
    }

    private static let units: [(names: [String], seconds: Double)] = [
        (["s", "sec", "secs", "second", "seconds"], 1),
        (["m", "min", "mins", "minute", "minutes"], 60),
        (["h", "hr", "hour", "hours"], 3600),
        (["d", "day", "days"], 86_400),
        (["w", "week", "weeks"], 604_800),
    ]

    /// `10m`, `2h`, `1d`, `90` (seconds), `1h30m`.
    private static func relativeSeconds(_ text: Substring) -> Double? {
        var total = 0.0
        var rest = text.filter { $0 != " " }[...]
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            if unit.isEmpty {
                guard rest.isEmpty else { return nil }
                total += number
            } else {
                guard let match = units.first(where: { $0.names.contains(String(unit)) }) else { return nil }
                total += number * match.seconds
            }
        }
        return total
    }

    /// `HH:MM` or `HH:MM:SS`.
    private static func clockSeconds(_ text: Substring) -> Double? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3 else { return nil }
        let numbers = fields.map { field -> Int? in
            guard (1...2).contains(field.count), field.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(field)
        }
        guard let hour = numbers[0], let minute = numbers[1], hour < 24, minute < 60 else { return nil }
        let second = fields.count == 3 ? numbers[2] : 0
        guard let second, second < 60 else { return nil }
        return Double(hour * 3600 + minute * 60 + second)
    }

    /// `YYYY-MM-DD` as days since 1970-01-01 (proleptic Gregorian).
    private static func daysSinceEpoch(_ text: Substring) -> Int? {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
            let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
