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
public enum RequestTargetCheck {
    public static func checkPath(_ target: String) throws(HTTPFramingError) {
        var target = target
        try target.withUTF8 { bytes in
            Result { () throws(HTTPFramingError) in try checkPath(UnsafeRawBufferPointer(bytes)) }
        }.get()
    }

    static func checkPath(_ path: UnsafeRawBufferPointer) throws(HTTPFramingError) {
        // Per segment: how many dots it holds (raw or encoded), and whether anything else is in it.
        var dots = 0
        var other = false
        var index = 0
        let count = path.count
        while index <= count {
            let byte: UInt8 = index < count ? path[index] : ASCII.question
            switch byte {
            case UInt8(ascii: "#"):
                // No request target has a fragment (RFC 9112 §3.2): an upstream that does not split it off would
                // resolve `/static#/../secret` outside the route this path matched.
                throw .badRequest("fragment (#) in the request target")
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
                switch high << 4 | low {
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
}
