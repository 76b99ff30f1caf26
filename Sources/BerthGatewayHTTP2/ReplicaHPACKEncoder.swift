import NIOCore
import NIOHPACK

/// HPACK (RFC 7541) for the header blocks the gateway writes to replicas, without a dynamic table: a field whose name
/// and value are in the static table is its index (`:method GET`, `:scheme http`, `:path /`), a field whose name is
/// there is a literal with that name's index, any other a literal with its name; all without indexing (never indexed
/// where the block says so), without Huffman coding. NIOHPACK's encoder searched its static and dynamic tables for
/// every field (bench/h2-profile.sh: ~14k instructions per request on this leg); this one tells a name apart by
/// its length and a few compares (now done once, by the decoder or `HTTP2Fields.add`: each field carries its name's
/// static index), and writes the block's bytes through one reservation of the buffer (a first
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

    mutating func encode(_ headers: HTTP2Fields, into out: inout ByteBuffer) {
        if sizeUpdatePending {
            sizeUpdatePending = false
            out.writeInteger(UInt8(0x20))
        }
        // One reservation for the whole block: at most its octets plus 16 bytes of prefixes per field (an index, two lengths).
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: headers.byteCount + 16 * headers.count) { raw in
            headers.withBytes { bytes in
                var at = 0
                for field in headers.fields {
                    // Never-indexed fields stay so for every hop after this one (RFC 7541 § 6.2.3).
                    let never = field.indexing == .neverIndexed
                    let index = field.staticName
                    let nameStart = Int(field.nameStart)
                    let valueStart = Int(field.valueStart)
                    let value = UnsafeRawBufferPointer(
                        UnsafeBufferPointer(rebasing: bytes[valueStart..<Int(field.valueEnd)]))
                    if !never, index != 0, let full = HTTP2FieldName.fullMatch(index, value) {
                        raw[at] = 0x80 | full
                        at += 1
                        continue
                    }
                    at = Self.integer(Int(index), prefix: 4, flags: never ? 0x10 : 0x00, raw, at)
                    if index == 0 {
                        at = Self.integer(valueStart - nameStart, prefix: 7, flags: 0, raw, at)
                        at = Self.copy(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[nameStart..<valueStart])), raw,
                            at)
                    }
                    at = Self.integer(value.count, prefix: 7, flags: 0, raw, at)
                    at = Self.copy(value, raw, at)
                }
                return at
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

    /// Copies octets to `at` (no Huffman coding, RFC 7541 § 5.2); returns the offset after them.
    @inline(__always)
    static func copy(_ octets: UnsafeRawBufferPointer, _ raw: UnsafeMutableRawBufferPointer, _ at: Int) -> Int {
        guard let base = octets.baseAddress, octets.count > 0 else { return at }
        (raw.baseAddress! + at).copyMemory(from: base, byteCount: octets.count)
        return at + octets.count
    }

    /// An integer with an N-bit prefix into `out` (the tests' reference of the encoding).
    static func writeInteger(_ value: Int, prefix: Int, flags: UInt8, into out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 12) { raw in
            integer(value, prefix: prefix, flags: flags, raw, 0)
        }
    }
}
