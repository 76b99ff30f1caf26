import NIOCore
import NIOHPACK

/// HPACK (RFC 7541) for the header blocks the gateway writes to replicas, without a dynamic table: a field whose name
/// and value are in the static table is its index (`:method GET`, `:scheme http`, `:path /`), a field whose name is
/// there is a literal with that name's index, any other a literal with its name; all without indexing (never indexed
/// where the block says so), without Huffman coding. NIOHPACK's encoder searched its static and dynamic tables for
/// every field (bench/h2-profile.sh: ~16k instructions per request on this leg, the most expensive step of the
/// replica leg); this one looks each name up once in a dictionary. The block is longer (the fields that repeat are
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
            Self.writeInteger(0, prefix: 5, flags: 0x20, into: &out)
        }
        for (name, value, indexing) in headers {
            // Never-indexed fields stay so for every hop after this one (RFC 7541 § 6.2.3).
            let flags: UInt8 = indexing == .neverIndexed ? 0x10 : 0x00
            guard let entry = Self.staticNames[name] else {
                out.writeInteger(flags)
                Self.writeString(name, into: &out)
                Self.writeString(value, into: &out)
                continue
            }
            if flags == 0, let full = entry.values.first(where: { $0.value == value }) {
                Self.writeInteger(full.index, prefix: 7, flags: 0x80, into: &out)
                continue
            }
            Self.writeInteger(entry.index, prefix: 4, flags: flags, into: &out)
            Self.writeString(value, into: &out)
        }
    }

    /// An integer with an N-bit prefix (RFC 7541 § 5.1), the prefix's byte carrying `flags` in its high bits.
    static func writeInteger(_ value: Int, prefix: Int, flags: UInt8, into out: inout ByteBuffer) {
        let limit = (1 << prefix) - 1
        guard value >= limit else {
            out.writeInteger(flags | UInt8(value))
            return
        }
        out.writeInteger(flags | UInt8(limit))
        var rest = value - limit
        while rest >= 128 {
            out.writeInteger(UInt8(rest & 0x7f | 0x80))
            rest >>= 7
        }
        out.writeInteger(UInt8(rest))
    }

    /// A string literal without Huffman coding (RFC 7541 § 5.2).
    static func writeString(_ text: String, into out: inout ByteBuffer) {
        writeInteger(text.utf8.count, prefix: 7, flags: 0, into: &out)
        out.writeString(text)
    }

    /// The static table (RFC 7541 Appendix A) by name: the first index with that name, and the entries with a value.
    struct StaticName {
        var index: Int
        var values: [(value: String, index: Int)]
    }

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

    static let staticNames: [String: StaticName] = {
        var names: [String: StaticName] = [:]
        for (offset, entry) in staticTable.enumerated() {
            let index = offset + 1
            names[entry.name, default: StaticName(index: index, values: [])].values.append((entry.value, index))
        }
        // An entry with an empty value only names the field (a field with an empty value is a literal with it).
        for (name, entry) in names {
            names[name]!.values = entry.values.filter { !$0.value.isEmpty }
        }
        return names
    }()
}
