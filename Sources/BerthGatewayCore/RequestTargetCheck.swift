/// Refuses request paths that a route prefix cannot contain: dot-segments and encoded slashes.
///
/// A route is an access boundary only if the path the upstream resolves stays under the prefix the gateway
/// matched. `/static/../secret.txt`, `/static/%2e%2e/secret.txt` and `/static/..%2fsecret.txt` all match
/// `/static` but resolve outside it in most servers, so the gateway refuses them (400) instead of normalizing:
/// normalizing would make the gateway one more parser that must agree with every upstream's (how a decoded `%2f` or
/// a `\` is treated differs between servers), while refusing leaves nothing to disagree on. Browsers and HTTP
/// clients remove dot-segments before sending (RFC 3986 §5.2.4), so ordinary traffic never carries them.
///
/// Only the path is checked (up to `?`); the query is the upstream's business. Refused in the path:
/// a segment that is `.` or `..` once `%2e` is decoded (any case), `%2f` and `%5c` (encoded `/` and `\`), a raw
/// `\`, `%00`, a `%` not followed by two hex digits, and `#` (a fragment is never part of a request target).
///
/// Also refused (outside audit, audit6): a dot-segment followed by a path parameter (`..;x`, `.;`, `%2e%2e%3b`),
/// which servlet containers such as Tomcat resolve as `..` once they strip the parameter, and percent-encoded
/// overlong UTF-8 (`%c0%ae` for `.`, `%c0%af` for `/`, `%e0%80%ae`): never valid UTF-8 (RFC 3629), but read as
/// `.` and `/` by lax decoders. Raw bytes above 0x7F never reach this check (the head parser refuses them).
///
/// Also (audit7): double-encoded and Unicode compatibility spellings of `.`, `/` and `\` (`%252e`, `%EF%BC%8E`),
/// under the same rules as the single-encoded ones (`RequestTargetCheck+Lookalikes.swift`).
public enum RequestTargetCheck {
    public static func checkPath(_ target: String) throws(HTTPFramingError) {
        var target = target
        try target.withUTF8 { bytes in
            Result { () throws(HTTPFramingError) in try checkPath(UnsafeRawBufferPointer(bytes)) }
        }.get()
    }

    /// `checkPath` for a target that no HTTP/1.1 parser has seen (an HTTP/2 `:path`): every byte must also be visible
    /// ASCII, as in an HTTP/1.1 request line. Before (outside audit, audit7), raw UTF-8 in an HTTP/2 `:path`
    /// (`/static/．．/x`, which servers that fold compatibility forms read as `/static/../x`) was forwarded as is
    /// to HTTP/1.1 replicas, which received bytes no HTTP/1.1 client could have sent through the gateway.
    public static func checkTarget(_ target: String) throws(HTTPFramingError) {
        var target = target
        try target.withUTF8 { bytes in
            Result { () throws(HTTPFramingError) in
                guard bytes.allSatisfy(ASCII.isVisible) else { throw .badRequest("invalid request target") }
                try checkPath(UnsafeRawBufferPointer(bytes))
            }
        }.get()
    }

    static func checkPath(_ path: UnsafeRawBufferPointer) throws(HTTPFramingError) {
        // Per segment: how many dots it holds (raw or encoded), and whether anything else is in it.
        var dots = 0
        var other = false
        var index = 0
        // The byte decoded from the previous `%XX` when it can open an overlong UTF-8 form (0xC0, 0xC1, 0xE0, 0xF0),
        // else nil. Only the pair is refused: a lone `%C0` is `À` in a Latin-1 path.
        var overlongLead: UInt8?
        // The last two bytes decoded from consecutive `%XX`, each with its segment's dots and `other` before it: a
        // three-byte compatibility form (`%EF%BC%8E`) is recognized at its third escape and replaces what its first
        // two did to the segment.
        var beforeLast: (byte: UInt8, dots: Int, other: Bool)?
        var last: (byte: UInt8, dots: Int, other: Bool)?
        let count = path.count
        while index <= count {
            let byte: UInt8 = index < count ? path[index] : ASCII.question
            if byte != UInt8(ascii: "%") {
                overlongLead = nil
                beforeLast = nil
                last = nil
            }
            switch byte {
            case UInt8(ascii: "#"):
                // No request target has a fragment (RFC 9112 §3.2): an upstream that does not split it off would
                // resolve `/static#/../secret` outside the route this path matched.
                throw .badRequest("fragment (#) in the request target")
            case UInt8(ascii: ";"):
                // A path parameter: a servlet container strips it, so `..;x` is `..` there.
                if !other && (dots == 1 || dots == 2) {
                    throw .badRequest("dot-segment with a parameter (..;) in the path")
                }
                other = true
                index += 1
            case ASCII.slash, ASCII.question:
                if !other && (dots == 1 || dots == 2) { throw .badRequest("dot-segment (. or ..) in the path") }
                if byte != ASCII.slash { return }
                dots = 0
                other = false
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < count,
                    let high = ASCII.hexValue(path[index + 1]), let low = ASCII.hexValue(path[index + 2])
                else {
                    throw .badRequest("invalid percent-encoding in the path")
                }
                let decoded = UInt8(high << 4 | low)
                if decoded == 0x25, let (lookalike, length) = Self.doubleEncoded(path, at: index) {
                    guard case .dots(let added) = lookalike else {
                        throw .badRequest("double-encoded slash or NUL (%25...) in the path")
                    }
                    dots += added
                    (overlongLead, beforeLast, last) = (nil, nil, nil)
                    index += length
                    continue
                }
                if let first = beforeLast, let second = last,
                    let lookalike = Self.compatibilityForm(first.byte, second.byte, decoded)
                {
                    guard case .dots(let added) = lookalike else {
                        throw .badRequest("fullwidth or compatibility slash in the path")
                    }
                    dots = first.dots + added
                    other = first.other
                    (overlongLead, beforeLast, last) = (nil, nil, nil)
                    index += 3
                    continue
                }
                (beforeLast, last) = (last, (decoded, dots, other))
                if let lead = overlongLead, decoded >= 0x80, decoded < Self.overlongBound(after: lead) {
                    throw .badRequest("overlong UTF-8 in the path")
                }
                overlongLead = decoded == 0xC0 || decoded == 0xC1 || decoded == 0xE0 || decoded == 0xF0 ? decoded : nil
                switch decoded {
                case 0x3B where !other && (dots == 1 || dots == 2):
                    throw .badRequest("dot-segment with a parameter (..;) in the path")
                case 0x2E: dots += 1
                case 0x2F, 0x5C: throw .badRequest("encoded slash (%2F or %5C) in the path")
                case 0x00: throw .badRequest("encoded NUL (%00) in the path")
                default: other = true
                }
                index += 3
            case UInt8(ascii: "."):
                dots += 1
                index += 1
            case ASCII.backslash:
                throw .badRequest("backslash in the path")
            default:
                other = true
                index += 1
            }
        }
    }

    /// The continuation bytes after `lead` below which the sequence is overlong: all of them after 0xC0 and 0xC1,
    /// 0x80-0x9F after 0xE0, 0x80-0x8F after 0xF0 (RFC 3629 §4).
    private static func overlongBound(after lead: UInt8) -> UInt8 {
        switch lead {
        case 0xE0: 0xA0
        case 0xF0: 0x90
        default: 0xC0
        }
    }
}
