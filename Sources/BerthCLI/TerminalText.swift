/// Text that a replica controls (its output, `last_stderr`, reasons that quote it) made harmless for a terminal.
///
/// A replica that prints `ESC ] 0 ; ... BEL` retitles the operator's window, `ESC [ 2 J` clears it, and worse
/// sequences exist; Berth prints such text as visible escapes instead. C0 controls (but tab) and DEL become `\xHH`
/// (`\x1b`, `\x07`), C1 controls (U+0080...U+009F, which some terminals obey like `ESC` + a letter) `\u{HH}`, and
/// so do Unicode's bidirectional controls (U+061C, U+200E, U+200F, U+202A...U+202E, U+2066...U+2069): a replica's
/// `U+202E` reversed the rest of its line and of the label after it as the terminal showed them ("Trojan Source",
/// audit5). Everything else, including backslashes, stays as it is, so the common line is untouched and readable.
enum TerminalText {
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16)
            let padded = hex.count < 2 ? "0" + hex : hex
            result += scalar.value < 0x80 ? "\\x" + padded : "\\u{" + padded + "}"
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
