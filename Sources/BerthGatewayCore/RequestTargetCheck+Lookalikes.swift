/// Spellings of `.`, `/` and `\` that a second decoder, or one that folds Unicode compatibility forms, turns into
/// the real characters (found by the outside audit, audit7: `/static/%252e%252e/secret.txt` and
/// `/static/%EF%BC%8E%EF%BC%8E/secret.txt` matched `/static` and were forwarded).
///
/// - Double encoding: `%25` followed by an encoded `.`, `/`, `\` or NUL, its two hex digits raw or themselves
///   encoded (`%252e`, `%25%32%65`). A server behind the gateway that decodes twice (a second proxy, a framework
///   decoding a path its server already decoded) reads them as the characters. They get the single-encoded forms'
///   rules: a double-encoded dot counts as a dot of its segment, a double-encoded slash, backslash or NUL is refused.
/// - Compatibility forms, percent-encoded UTF-8: FULLWIDTH FULL STOP U+FF0E, SMALL FULL STOP U+FE52 and ONE DOT
///   LEADER U+2024 are `.` under NFKC (U+2025 TWO DOT LEADER is `..`); FULLWIDTH SOLIDUS U+FF0F, FULLWIDTH and SMALL
///   REVERSE SOLIDUS U+FF3C and U+FE68 are `/` and `\`, and DIVISION SLASH U+2215 is `/` in Windows' best-fit
///   mappings. Servers that normalize paths (NFKC in Python's IDNA and some routers, best-fit in Windows APIs)
///   resolve them. The dots count as dots of their segment, the slashes are refused.
///
/// Deeper layers (triple encoding, double-encoded compatibility forms) are not looked for: each layer needs one
/// more decoder that disagrees with the gateway, and the first two are what servers are known to do.
extension RequestTargetCheck {
    /// What a lookalike stands for.
    enum Lookalike: Equatable {
        /// `count` dots.
        case dots(Int)
        /// `/`, `\` or NUL: refused wherever it is.
        case separator
    }

    /// The byte a `%25` at `index` stands for once decoded twice, when it is `.`, `/`, `\` or NUL, and how many
    /// bytes of the path spell it; nil for anything else.
    static func doubleEncoded(_ path: UnsafeRawBufferPointer, at index: Int) -> (Lookalike, length: Int)? {
        guard let high = encodedHexDigit(path, at: index + 3),
            let low = encodedHexDigit(path, at: index + 3 + high.length)
        else { return nil }
        let length = 3 + high.length + low.length
        switch high.value << 4 | low.value {
        case 0x2E: return (.dots(1), length)
        case 0x2F, 0x5C, 0x00: return (.separator, length)
        default: return nil
        }
    }

    /// A hex digit at `index`, raw (one byte) or percent-encoded (`%32` is `2`: three bytes).
    private static func encodedHexDigit(_ path: UnsafeRawBufferPointer, at index: Int) -> (value: Int, length: Int)? {
        guard index < path.count else { return nil }
        if let value = ASCII.hexValue(path[index]) { return (value, 1) }
        guard path[index] == UInt8(ascii: "%"), index + 2 < path.count,
            let high = ASCII.hexValue(path[index + 1]), let low = ASCII.hexValue(path[index + 2]),
            let value = ASCII.hexValue(UInt8(high << 4 | low))
        else { return nil }
        return (value, 3)
    }

    /// The compatibility form three decoded UTF-8 bytes spell, if they spell one.
    static func compatibilityForm(_ first: UInt8, _ second: UInt8, _ third: UInt8) -> Lookalike? {
        switch (first, second, third) {
        case (0xEF, 0xBC, 0x8E), (0xEF, 0xB9, 0x92), (0xE2, 0x80, 0xA4): .dots(1)
        case (0xE2, 0x80, 0xA5): .dots(2)
        case (0xEF, 0xBC, 0x8F), (0xEF, 0xBC, 0xBC), (0xEF, 0xB9, 0xA8), (0xE2, 0x88, 0x95): .separator
        default: nil
        }
    }
}
