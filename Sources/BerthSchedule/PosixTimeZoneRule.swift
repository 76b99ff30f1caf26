/// A POSIX TZ string as TZif footers carry it (`CET-1CEST,M3.5.0,M10.5.0/3`, `<+0330>-3:30`, `EST5EDT,M3.2.0,M11.1.0`):
/// the standard offset, and the daylight-saving offset with the rules of its start and end.
///
/// Only the `Mm.w.d` form of dates is read (every zone of the tz database uses it); a rule with `Jn` or `n` dates is
/// refused, and the zone then keeps the offset of its last transition.
struct PosixTimeZoneRule: Sendable, Equatable {
    /// A day given as "the w-th weekday d of month m" (w = 5: the last), and the local time of the change.
    struct Change: Sendable, Equatable {
        var month: Int
        var week: Int
        var weekday: Int
        var seconds: Int64
    }

    /// Seconds east of UTC (the TZ string counts west: `EST5` is -18000).
    var standardOffset: Int
    var daylightOffset: Int?
    var start: Change?
    var end: Change?

    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let standard = scanner.offset() else { return nil }
        standardOffset = -standard
        guard !scanner.atEnd else { return }
        guard scanner.name() else { return nil }
        if let daylight = scanner.offset() {
            daylightOffset = -daylight
        } else {
            daylightOffset = standardOffset + 3600
        }
        guard scanner.take(","), let start = scanner.change(), scanner.take(","), let end = scanner.change(),
            scanner.atEnd
        else { return nil }
        self.start = start
        self.end = end
    }

    func secondsFromGMT(atEpochSeconds seconds: Int64) -> Int {
        guard let daylightOffset, let start, let end else { return standardOffset }
        let year = CivilDate(dayNumber: floorDivide(seconds + Int64(standardOffset), 86_400)).year
        // The start is given in standard time, the end in daylight time (POSIX).
        let startsAt = instant(of: start, in: year) - Int64(standardOffset)
        let endsAt = instant(of: end, in: year) - Int64(daylightOffset)
        let inDaylight =
            startsAt < endsAt
            ? seconds >= startsAt && seconds < endsAt
            : !(seconds >= endsAt && seconds < startsAt)  // southern hemisphere: daylight time spans the new year
        return inDaylight ? daylightOffset : standardOffset
    }

    /// The local wall-clock instant (as epoch seconds, offset not applied) of `change` in `year`.
    private func instant(of change: Change, in year: Int64) -> Int64 {
        let first = CivilDate(year: year, month: change.month, day: 1)
        var day = 1 + (change.weekday - first.weekday + 7) % 7 + (change.week - 1) * 7
        let nextMonth =
            change.month == 12
            ? CivilDate(year: year + 1, month: 1, day: 1)
            : CivilDate(year: year, month: change.month + 1, day: 1)
        let length = Int(nextMonth.dayNumber - first.dayNumber)
        while day > length { day -= 7 }
        return (first.dayNumber + Int64(day - 1)) * 86_400 + change.seconds
    }

    /// A cursor over the TZ string.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }

        /// `CET` (3+ letters) or `<+0330>`.
        mutating func name() -> Bool {
            if take("<") {
                while index < bytes.count, bytes[index] != UInt8(ascii: ">") { index += 1 }
                return take(">")
            }
            let start = index
            while index < bytes.count, (bytes[index] | 0x20) >= UInt8(ascii: "a"),
                (bytes[index] | 0x20) <= UInt8(ascii: "z")
            {
                index += 1
            }
            return index - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds; nil when there is no number here.
        mutating func offset() -> Int? {
            var sign = 1
            if take("-") { sign = -1 } else { _ = take("+") }
            guard let hours = number() else { return nil }
            var total = hours * 3600
            if take(":") {
                guard let minutes = number() else { return nil }
                total += minutes * 60
                if take(":") {
                    guard let seconds = number() else { return nil }
                    total += seconds
                }
            }
            return sign * total
        }

        /// `Mm.w.d[/time]` (the time may be negative or beyond 24 h: RFC 8536's extension).
        mutating func change() -> Change? {
            guard take("M"), let month = number(), take("."), let week = number(), take("."), let weekday = number(),
                (1...12).contains(month), (1...5).contains(week), (0...6).contains(weekday)
            else { return nil }
            var seconds: Int64 = 7200
            if take("/") {
                guard let time = offset() else { return nil }
                seconds = Int64(time)
            }
            return Change(month: month, week: week, weekday: weekday, seconds: seconds)
        }

        mutating func number() -> Int? {
            let start = index
            var value = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"),
                index - start < 4
            {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > start ? value : nil
        }
    }
}
