/// Byte classes of RFC 9110/9112, on raw bytes so that parsing never goes through `String` until a value is kept.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F

    /// tchar: the characters of a token (method, field name, coding, extension name).
    @inline(__always)
    static func isTChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// SP or HTAB.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    /// field-vchar / SP / HTAB: what a field value may contain (obs-text included).
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// VCHAR: visible US-ASCII, what a request target may contain.
    @inline(__always)
    static func isVisible(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Whether `bytes` equals `lowercased` ignoring ASCII case (`lowercased` must be lower case).
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        let expected = lowercased.utf8Start
        for index in 0..<bytes.count where lower(bytes[index]) != expected[index] {
            return false
        }
        return true
    }
}

extension String {
    /// Lower-cases ASCII letters only (header names and tokens are ASCII; this avoids Unicode case mapping).
    func lowercasedASCII() -> String {
        var needsWork = false
        for byte in utf8 where byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
            needsWork = true
            break
        }
        guard needsWork else { return self }
        return String(decoding: utf8.map(ASCII.lower), as: UTF8.self)
    }

    /// Removes leading and trailing SP and HTAB.
    func trimmingOWS() -> Substring {
        Substring(self).trimmingOWS()
    }
}

extension Substring {
    /// Removes leading and trailing SP and HTAB, stepping over UTF-8 bytes (not Characters: no grapheme breaking).
    func trimmingOWS() -> Substring {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, ASCII.isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard ASCII.isWhitespace(bytes[last]) else { break }
            end = last
        }
        return self[start..<end]
    }
}

extension StringProtocol {
    /// Whether this equals `lowercased` (which must be lower case) ignoring ASCII case, without allocating.
    func equalsIgnoringASCIICase(_ lowercased: String) -> Bool {
        guard utf8.count == lowercased.utf8.count else { return false }
        for (byte, expected) in zip(utf8, lowercased.utf8) where ASCII.lower(byte) != expected {
            return false
        }
        return true
    }
}
