extension CronExpression {
    /// One field's name, range and the names it accepts.
    struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String: Int] = [:]
    }

    static let fields: [Field] = [
        Field(name: "minute", range: 0...59),
        Field(name: "hour", range: 0...23),
        Field(name: "day of month", range: 1...31),
        Field(
            name: "month", range: 1...12,
            names: [
                "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
                "nov": 11, "dec": 12,
            ]),
        Field(
            name: "day of week", range: 0...7,
            names: [
                "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
            ]),
    ]

    static let shorthands = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    /// Parses `*/5 * * * *`, `0 3 * * mon-fri`, `@daily`, ...
    public static func parse(_ text: String) throws(CronError) -> CronExpression {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("@") {
            guard shorthands.contains(trimmed.lowercased()) else {
                throw CronError(
                    "unknown cron shorthand '\(trimmed)'; expected one of "
                        + shorthands.joined(separator: ", "), offset: 0)
            }
            var expression = try parse(
                CronExpression(
                    minutes: [], hours: [], daysOfMonth: [], months: [], daysOfWeek: [], anyDayOfMonth: true,
                    anyDayOfWeek: true, text: trimmed.lowercased()
                ).fiveFields)
            expression.text = trimmed.lowercased()
            return expression
        }
        var parts: [(text: Substring, offset: Int)] = []
        var index = text.startIndex
        var offset = 0
        while index < text.endIndex {
            if text[index] == " " || text[index] == "\t" {
                index = text.index(after: index)
                offset += 1
                continue
            }
            let start = index
            let startOffset = offset
            while index < text.endIndex, text[index] != " ", text[index] != "\t" {
                index = text.index(after: index)
                offset += 1
            }
            parts.append((text[start..<index], startOffset))
        }
        guard parts.count == 5 else {
            throw CronError(
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week), got "
                    + "\(parts.count) in '\(trimmed)'", offset: 0)
        }
        var sets: [Set<Int>] = []
        for (field, part) in zip(fields, parts) {
            sets.append(try parseField(part.text, field: field, offset: part.offset))
        }
        var daysOfWeek = sets[4]
        if daysOfWeek.remove(7) != nil { daysOfWeek.insert(0) }
        let expression = CronExpression(
            minutes: sets[0], hours: sets[1], daysOfMonth: sets[2], months: sets[3], daysOfWeek: daysOfWeek,
            anyDayOfMonth: parts[2].text == "*" || parts[2].text == "?",
            anyDayOfWeek: parts[4].text == "*"
                || parts[4].text == "?",
            text: parts.map { String($0.text) }.joined(separator: " "))
        if expression.anyDayOfWeek, !expression.anyDayOfMonth,
            expression.months.allSatisfy({ month in expression.daysOfMonth.allSatisfy { $0 > maxDay(month) } })
        {
            throw CronError(
                "'\(trimmed)' never runs: no chosen month has day "
                    + expression.daysOfMonth.sorted().map(String.init).joined(separator: ","), offset: parts[2].offset)
        }
        return expression
    }

    private static func maxDay(_ month: Int) -> Int {
        switch month {
        case 2: return 29
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `a`, `a-b`, `*`, each optionally `/step`, separated by commas.
    private static func parseField(_ text: Substring, field: Field, offset: Int) throws(CronError) -> Set<Int> {
        var result: Set<Int> = []
        var itemOffset = offset
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { itemOffset += item.count + 1 }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                throw CronError("invalid \(field.name) '\(item)'", offset: itemOffset)
            }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number >= 1 else {
                    throw CronError(
                        "invalid step '\(pieces[1])' in \(field.name) '\(item)'; it must be a positive "
                            + "integer", offset: itemOffset + base.count + 1)
                }
                step = number
            }
            let lower: Int
            var upper: Int
            if base == "*" || base == "?" {
                lower = field.range.lowerBound
                upper = field.name == "day of week" ? 6 : field.range.upperBound
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw CronError("invalid range '\(base)'", offset: itemOffset) }
                lower = try value(bounds[0], field: field, offset: itemOffset)
                if bounds.count == 2 {
                    upper = try value(bounds[1], field: field, offset: itemOffset + bounds[0].count + 1)
                    guard lower <= upper else {
                        throw CronError("range '\(base)' of \(field.name) goes backwards", offset: itemOffset)
                    }
                } else {
                    // `5/15` means from 5 to the end in steps of 15, as in Vixie cron.
                    upper = pieces.count == 2 ? field.range.upperBound : lower
                }
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    private static func value(_ text: Substring, field: Field, offset: Int) throws(CronError) -> Int {
        if let number = Int(text) {
            guard field.range.contains(number) else {
                throw CronError(
                    "\(field.name) \(number) is out of range \(field.range.lowerBound)-"
                        + "\(field.range.upperBound)", offset: offset)
            }
            return number
        }
        if let named = field.names[text.lowercased()] { return named }
        let names =
            field.names.isEmpty
            ? ""
            : " or a name such as "
                + field.names.sorted { $0.value < $1.value }.prefix(2).map(\.key).joined(separator: ", ")
        throw CronError(
            "invalid \(field.name) '\(text)'; expected a number \(field.range.lowerBound)-"
                + "\(field.range.upperBound)\(names)", offset: offset)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
