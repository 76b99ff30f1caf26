import NIOCore
import NIOHPACK

/// HPACK (RFC 7541) for the header blocks the gateway writes to replicas, without a dynamic table: a field whose name
/// and value are in the static table is its index (`:method GET`, `:scheme http`, `:path /`), a field whose name is
/// there is a literal with that name's index, any other a literal with its name; all without indexing (never indexed
/// where the block says so), without Huffman coding. NIOHPACK's encoder searched its static and dynamic tables for
/// every field (bench/h2-profile.sh: ~14k instructions per request on this leg); this one tells a name apart by
/// its length and a few compares, and writes each field's bytes through one reservation of the buffer (a first
/// version with a dictionary and a `ByteBuffer` call per byte cost nearly as much as NIOHPACK's: 13k). The block is longer (the fields that repeat are
/// sent again each time instead of as an index), which costs nothing measurable on loopback, where replicas are.
/// The replica's decoder keeps an empty dynamic table: when the replica sets SETTINGS_HEADER_TABLE_SIZE, the next
/// block starts with a dynamic table size update to 0 (RFC 7541 § 4.2, § 6.3), which any limit allows.
struct ReplicaHPACKEncoder {
    /// A size update is owed at the start of the next block (the replica's SETTINGS_HEADER_TABLE_SIZE arrived).
    private var sizeUpdatePending = false

    /// The replica set SETTINGS_HEADER_TABLE_SIZE.
    mutating func tableSizeChanged() {
        sizeUpdatePending = true
    }

    mutating func encode(_ headers: HPACKHeaders, into out: inout ByteBuffer) {
        if sizeUpdatePending {
            sizeUpdatePending = false
            out.writeInteger(UInt8(0x20))
        }
        for (name, value, indexing) in headers {
            // Never-indexed fields stay so for every hop after this one (RFC 7541 § 6.2.3).
            let never = indexing == .neverIndexed
            let index = Self.staticIndex(name)
            if !never, index != 0, let full = Self.fullMatch(index, value) {
                out.writeInteger(0x80 | full)
                continue
            }
            // One reservation per field: its bytes are written through a pointer, not one `ByteBuffer` call each.
            let nameBytes = index == 0 ? name.utf8.count : 0
            let valueBytes = value.utf8.count
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: nameBytes + valueBytes + 18) { raw in
                var at = Self.integer(index, prefix: 4, flags: never ? 0x10 : 0x00, raw, 0)
                if index == 0 {
                    at = Self.integer(nameBytes, prefix: 7, flags: 0, raw, at)
                    at = Self.copy(name, raw, at)
                }
                at = Self.integer(valueBytes, prefix: 7, flags: 0, raw, at)
                return Self.copy(value, raw, at)
            }
        }
    }

    /// Writes an integer with an N-bit prefix (RFC 7541 § 5.1) at `at`, the prefix's byte carrying `flags` in its
    /// high bits; returns the offset after it. The caller reserved the room (at most 6 bytes for an `Int` length).
    static func integer(
        _ value: Int, prefix: Int, flags: UInt8, _ raw: UnsafeMutableRawBufferPointer, _ at: Int
    ) -> Int {
        let limit = (1 << prefix) - 1
        guard value >= limit else {
            raw[at] = flags | UInt8(value)
            return at + 1
        }
        raw[at] = flags | UInt8(limit)
        var at = at + 1
        var rest = value - limit
        while rest >= 128 {
            raw[at] = UInt8(rest & 0x7f | 0x80)
            rest >>= 7
            at += 1
        }
        raw[at] = UInt8(rest)
        return at + 1
    }

    /// Copies a string's UTF-8 bytes to `at` (no Huffman coding, RFC 7541 § 5.2); returns the offset after them.
    static func copy(_ text: String, _ raw: UnsafeMutableRawBufferPointer, _ at: Int) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return at }
            (raw.baseAddress! + at).copyMemory(from: base, byteCount: bytes.count)
            return at + bytes.count
        }
    }

    /// An integer with an N-bit prefix into `out` (the tests' reference of the encoding).
    static func writeInteger(_ value: Int, prefix: Int, flags: UInt8, into out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 12) { raw in
            integer(value, prefix: prefix, flags: flags, raw, 0)
        }
    }

    /// The static table's first index for `name`, 0 when it has none: told apart by length, then compared (short
    /// names compare as two machine words; no hashing).
    static func staticIndex(_ name: String) -> Int {
        // No static name starts with `x` (the gateway's own x-forwarded-*, x-request-id): most names end here.
        guard name.utf8.first != UInt8(ascii: "x") else { return 0 }
        return switch name.utf8.count {
        case 3:
            switch name {
            case "age": 21
            case "via": 60
            default: 0
            }
        case 4:
            switch name {
            case "date": 33
            case "etag": 34
            case "from": 37
            case "host": 38
            case "link": 45
            case "vary": 59
            default: 0
            }
        case 5:
            switch name {
            case ":path": 4
            case "allow": 22
            case "range": 50
            default: 0
            }
        case 6:
            switch name {
            case "accept": 19
            case "cookie": 32
            case "expect": 35
            case "server": 54
            default: 0
            }
        case 7:
            switch name {
            case ":method": 2
            case ":scheme": 6
            case ":status": 8
            case "expires": 36
            case "referer": 51
            case "refresh": 52
            default: 0
            }
        case 8:
            switch name {
            case "if-match": 39
            case "if-range": 42
            case "location": 46
            default: 0
            }
        case 10:
            switch name {
            case ":authority": 1
            case "user-agent": 58
            case "set-cookie": 55
            default: 0
            }
        default:
            longStaticIndex(name)
        }
    }

    /// Names of 11 bytes and more: by length again (a name over 15 bytes compares as a call, not as two words).
    private static func longStaticIndex(_ name: String) -> Int {
        switch name.utf8.count {
        case 11: name == "retry-after" ? 53 : 0
        case 12:
            switch name {
            case "content-type": 31
            case "max-forwards": 47
            default: 0
            }
        case 13:
            switch name {
            case "accept-ranges": 18
            case "authorization": 23
            case "cache-control": 24
            case "content-range": 30
            case "if-none-match": 41
            case "last-modified": 44
            default: 0
            }
        case 14:
            switch name {
            case "accept-charset": 15
            case "content-length": 28
            default: 0
            }
        case 15:
            switch name {
            case "accept-encoding": 16
            case "accept-language": 17
            default: 0
            }
        case 16:
            switch name {
            case "content-encoding": 26
            case "content-language": 27
            case "content-location": 29
            case "www-authenticate": 61
            default: 0
            }
        case 17:
            switch name {
            case "if-modified-since": 40
            case "transfer-encoding": 57
            default: 0
            }
        case 18: name == "proxy-authenticate" ? 48 : 0
        case 19:
            switch name {
            case "content-disposition": 25
            case "if-unmodified-since": 43
            case "proxy-authorization": 49
            default: 0
            }
        case 25: name == "strict-transport-security" ? 56 : 0
        case 27: name == "access-control-allow-origin" ? 20 : 0
        default: 0
        }
    }

    /// The static entry with both the name at `index` and `value`, if any.
    static func fullMatch(_ index: Int, _ value: String) -> UInt8? {
        switch (index, value) {
        case (2, "GET"): 2
        case (2, "POST"): 3
        case (4, "/"): 4
        case (4, "/index.html"): 5
        case (6, "http"): 6
        case (6, "https"): 7
        case (8, "200"): 8
        case (8, "204"): 9
        case (8, "206"): 10
        case (8, "304"): 11
        case (8, "400"): 12
        case (8, "404"): 13
        case (8, "500"): 14
        case (16, "gzip, deflate"): 16
        default: nil
        }
    }

    /// The static table (RFC 7541 Appendix A), index - 1: the reference `staticIndex` and `fullMatch` are tested
    /// against.
    static let staticTable: [(name: String, value: String)] = [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""),
        ("cache-control", ""), ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""),
        ("content-length", ""), ("content-location", ""), ("content-range", ""), ("content-type", ""),
        ("cookie", ""), ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""),
        ("if-match", ""), ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
        ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""),
        ("proxy-authenticate", ""), ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""),
        ("retry-after", ""), ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""),
        ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ]
}
