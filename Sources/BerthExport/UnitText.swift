/// Escaping of values in systemd unit files (systemd.syntax(7), systemd.service(5) "Command lines").
enum UnitText {
    /// `%` starts a specifier everywhere in a unit file.
    static func escapeSpecifiers(_ text: String) -> String {
        text.replacingAll("%", with: "%%")
    }

    /// One `ExecStart=` word: `$` and `%` doubled (systemd expands both), quoted when it holds spaces or quotes.
    /// `sentinels` maps marker strings in `word` to the `${NAME}` reference they stand for, left unescaped.
    static func commandWord(_ word: String, sentinels: [String: String]) -> String {
        var text = escapeSpecifiers(word).replacingAll("$", with: "$$")
        for (marker, reference) in sentinels.sorted(by: { $0.key < $1.key }) {
            text = text.replacingAll(marker, with: reference)
        }
        return quotedIfNeeded(text, allowEmpty: true)
    }

    /// One `Environment=` assignment, quoted when needed; `%` doubled (systemd does not expand `$` here).
    static func assignment(_ name: String, _ value: String) -> String {
        quotedIfNeeded(name + "=" + escapeSpecifiers(value), allowEmpty: false)
    }

    private static func quotedIfNeeded(_ text: String, allowEmpty: Bool) -> String {
        let special: Set<Character> = [" ", "\t", "\"", "'", "\\", "\n", ";"]
        guard text.contains(where: special.contains) || (allowEmpty && text.isEmpty) else { return text }
        if text == ";" { return "\\;" }
        var result = "\""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    /// A time span systemd reads: `10s`, `250ms`, or `1500us` (rounded up to whole microseconds).
    static func timeSpan(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        return "\((nanos + 999) / 1000)us"
    }
}
