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

    /// Quoted, with C escapes (which systemd undoes in `ExecStart=` and `Environment=`), when `text` holds a space,
    /// a quote, a backslash, `;` or a control character. systemd ends a unit's line at LF, CR and NUL alike: a raw
    /// CR in an env value or an argument started a line of its own there, read as a directive (audit12).
    private static func quotedIfNeeded(_ text: String, allowEmpty: Bool) -> String {
        let special: Set<Character> = [" ", "\"", "'", "\\", ";"]
        guard text.contains(where: { special.contains($0) || isControl($0) }) || (allowEmpty && text.isEmpty) else {
            return text
        }
        if text == ";" { return "\\;" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" : "") + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
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
