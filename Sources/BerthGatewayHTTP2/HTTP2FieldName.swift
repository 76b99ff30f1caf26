import Glibc

/// Field names and values as octets (`HTTP2Fields`): RFC 7541's static index of a name, and compares with literals.
enum HTTP2FieldName {
    /// Whether `bytes[start..<end]` is `literal`'s octets.
    @inline(__always)
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        end - start == literal.utf8CodeUnitCount
            && (end == start || memcmp(bytes.baseAddress! + start, literal.utf8Start, end - start) == 0)
    }

    /// Whether `raw` is `literal`'s octets.
    @inline(__always)
    static func equals(_ raw: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        raw.count == literal.utf8CodeUnitCount
            && (raw.count == 0 || memcmp(raw.baseAddress!, literal.utf8Start, raw.count) == 0)
    }

    /// An ASCII letter in lowercase; other octets as they are.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte }

    /// The static table's first index for `name`, 0 when it has none: told apart by length, then compared (no
    /// hashing). The decoder knows the index of every name it took from a table; this is for literal names and
    /// the gateway's own fields.
    static func staticIndex(_ name: UnsafeRawBufferPointer) -> UInt8 {
        // No static name starts with `x` (the gateway's own x-forwarded-*, x-request-id): most names end here.
        guard let first = name.first, first != UInt8(ascii: "x") else { return 0 }
        let e = { (literal: StaticString) in equals(name, literal) }
        switch name.count {
        case 3: return e("age") ? 21 : e("via") ? 60 : 0
        case 4:
            return e("date")
                ? 33 : e("etag") ? 34 : e("from") ? 37 : e("host") ? 38 : e("link") ? 45 : e("vary") ? 59 : 0
        case 5: return e(":path") ? 4 : e("allow") ? 22 : e("range") ? 50 : 0
        case 6: return e("accept") ? 19 : e("cookie") ? 32 : e("expect") ? 35 : e("server") ? 54 : 0
        case 7:
            if first == UInt8(ascii: ":") { return e(":method") ? 2 : e(":scheme") ? 6 : e(":status") ? 8 : 0 }
            return e("expires") ? 36 : e("referer") ? 51 : e("refresh") ? 52 : 0
        case 8: return e("if-match") ? 39 : e("if-range") ? 42 : e("location") ? 46 : 0
        case 10: return e(":authority") ? 1 : e("user-agent") ? 58 : e("set-cookie") ? 55 : 0
        case 11: return e("retry-after") ? 53 : 0
        case 12: return e("content-type") ? 31 : e("max-forwards") ? 47 : 0
        case 13:
            return e("accept-ranges")
                ? 18
                : e("authorization")
                    ? 23
                    : e("cache-control")
                        ? 24
                        : e("content-range") ? 30 : e("if-none-match") ? 41 : e("last-modified") ? 44 : 0
        case 14: return e("accept-charset") ? 15 : e("content-length") ? 28 : 0
        case 15: return e("accept-encoding") ? 16 : e("accept-language") ? 17 : 0
        case 16:
            return e("content-encoding")
                ? 26
                : e("content-language")
                    ? 27
                    : e("content-location")
                        ? 29
                        : e("www-authenticate") ? 61 : 0
        case 17: return e("if-modified-since") ? 40 : e("transfer-encoding") ? 57 : 0
        case 18: return e("proxy-authenticate") ? 48 : 0
        case 19:
            return e("content-disposition") ? 25 : e("if-unmodified-since") ? 43 : e("proxy-authorization") ? 49 : 0
        case 25: return e("strict-transport-security") ? 56 : 0
        case 27: return e("access-control-allow-origin") ? 20 : 0
        default: return 0
        }
    }

    /// `staticIndex` for a `String` (tests, and the reference the table is checked against).
    static func staticIndex(_ name: String) -> Int {
        var name = name
        return name.withUTF8 { Int(staticIndex(UnsafeRawBufferPointer($0))) }
    }

    /// The static entry with both the name at `index` and the value `value`, if any (`:method GET`, `:path /`,
    /// `:status 200`...).
    static func fullMatch(_ index: UInt8, _ value: UnsafeRawBufferPointer) -> UInt8? {
        let found: UInt8
        switch index {
        case 2: found = equals(value, "GET") ? 2 : equals(value, "POST") ? 3 : 0
        case 4: found = equals(value, "/") ? 4 : equals(value, "/index.html") ? 5 : 0
        case 6: found = equals(value, "http") ? 6 : equals(value, "https") ? 7 : 0
        case 8:
            guard value.count == 3 else { return nil }
            found =
                equals(value, "200")
                ? 8
                : equals(value, "204")
                    ? 9
                    : equals(value, "206")
                        ? 10
                        : equals(value, "304")
                            ? 11
                            : equals(value, "400")
                                ? 12
                                : equals(value, "404")
                                    ? 13
                                    : equals(value, "500") ? 14 : 0
        case 16: found = equals(value, "gzip, deflate") ? 16 : 0
        default: return nil
        }
        return found == 0 ? nil : found
    }
}

extension HTTP2FieldName {
    /// `fullMatch` for text (tests).
    static func fullMatch(_ index: Int, _ value: String) -> UInt8? {
        var value = value
        return value.withUTF8 { fullMatch(UInt8(index), UnsafeRawBufferPointer($0)) }
    }
}
