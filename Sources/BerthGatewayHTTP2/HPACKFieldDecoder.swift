import NIOCore
import NIOHPACK

/// The gateway's HPACK decoder (RFC 7541) for header blocks on both legs, in place of NIOHPACK's: it reads the block's
/// bytes in place and writes each field's octets into the block's `HTTP2Fields` (indexed names and values copied
/// from tables that hold them as octets, with their name's static index; Huffman decoded four bits a step straight
/// into the list's storage): no `String` is made. It enforces what NIOHPACK's did: the header list size (octets of name and value plus 32
/// per field, RFC 7540 6.5.2), table size updates only first in a block, at most two, within the size advertised;
/// no index 0 or past the tables, no empty literal name, no string past the block, integers at most 2^28.
/// `HTTP2GatewaySettings.ownHPACKDecoder = false` brings NIOHPACK's decoder back.
struct HPACKFieldDecoder {
    /// Why a block cannot be decoded; after one the dynamic table may be half updated, so the connection must end,
    /// unless `keepsConnection`: the block was decoded to its end (the table is in step) but its list is too large,
    /// which is that stream's problem only (RFC 9113 § 10.5.1).
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
        var keepsConnection = false
    }

    let maxHeaderListSize: Int
    /// SETTINGS_HEADER_TABLE_SIZE as advertised: the most a table size update may choose.
    let maxTableSize: Int
    private(set) var table: HPACKDynamicTable
    private var huffmanMemo = HPACKHuffmanMemo()

    init(maxHeaderListSize: Int, maxTableSize: Int) {
        self.maxHeaderListSize = maxHeaderListSize
        self.maxTableSize = maxTableSize
        self.table = HPACKDynamicTable(capacity: maxTableSize)
    }

    /// The fields of one whole header block (HEADERS and its CONTINUATIONs' fragments).
    mutating func decode(_ block: ByteBuffer) throws(Failure) -> HTTP2Fields {
        // Indexed fields take a byte or two for tens of octets: room for a usual block's octets at once.
        var fields = HTTP2Fields(fieldCapacity: 16, byteCapacity: max(256, block.readableBytes * 2))
        let result = block.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return Result { () throws(Failure) in try decodeFields(&reader, into: &fields) }
        }
        try result.get()
        return fields
    }

    private mutating func decodeFields(_ reader: inout Reader, into fields: inout HTTP2Fields) throws(Failure) {
        var listSize = 0
        var updates = 0
        while let first = reader.peek() {
            let start = fields.endIndex
            let nameCount: Int
            let staticName: UInt8
            let indexing: HPACKIndexing
            if first & 0x80 != 0 {
                // 6.1: an indexed field.
                let index = try reader.integer(prefix: 7)
                guard index != 0 else { throw Failure(description: "an indexed field with index 0") }
                (nameCount, staticName) = try appendEntry(index, into: &fields, value: true)
                indexing = .indexable
            } else if first & 0x20 != 0, first & 0x40 == 0 {
                // 6.3: a table size update, only before the first field (4.2), at most two.
                guard listSize == 0 else { throw Failure(description: "a table size update after a field") }
                updates += 1
                guard updates <= 2 else { throw Failure(description: "more than two table size updates") }
                let size = try reader.integer(prefix: 5)
                guard size <= maxTableSize else {
                    throw Failure(description: "a table size update to \(size) (at most \(maxTableSize))")
                }
                table.resize(to: size)
                continue
            } else {
                // 6.2.1: a literal added to the dynamic table; 6.2.2 and 6.2.3: one not indexed, or never (0x10).
                let adds = first & 0x40 != 0
                let index = try reader.integer(prefix: adds ? 6 : 4)
                if index == 0 {
                    nameCount = try reader.string(into: &fields, memo: &huffmanMemo)
                    guard nameCount > 0 else { throw Failure(description: "a literal field with an empty name") }
                    staticName = fields.withBytes { bytes in
                        HTTP2FieldName.staticIndex(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<start + nameCount])))
                    }
                } else {
                    (nameCount, staticName) = try appendEntry(index, into: &fields, value: false)
                }
                _ = try reader.string(into: &fields, memo: &huffmanMemo)
                indexing = adds ? .indexable : first & 0x10 != 0 ? .neverIndexed : .nonIndexable
                if adds {
                    fields.withBytes { bytes in
                        table.add(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...])),
                            nameCount: nameCount,
                            staticName: staticName)
                    }
                }
            }
            listSize += fields.endIndex - start + 32
            // Past the limit the block is still read to its end, keeping no field, so that the dynamic table stays
            // in step with the peer's and only this stream is refused (one gRPC call's oversize metadata closed the
            // client's whole connection, failing every call on it: audit8).
            guard listSize <= maxHeaderListSize else {
                fields.dropBytes(from: start)
                continue
            }
            fields.endField(start: start, nameCount: nameCount, indexing: indexing, staticName: staticName)
        }
        guard listSize <= maxHeaderListSize else {
            throw Failure(
                description: "a header list of \(listSize) bytes (at most \(maxHeaderListSize))", keepsConnection: true)
        }
    }

    /// Appends the static or dynamic table's entry at `index` (2.3.3: the dynamic table follows the static one):
    /// its name, and its value too when `value`; returns the name's length and static index.
    private func appendEntry(
        _ index: Int, into fields: inout HTTP2Fields, value: Bool
    ) throws(Failure) -> (nameCount: Int, staticName: UInt8) {
        if index <= HPACKStaticTable.count {
            let entry = HPACKStaticTable.entries[index]
            HPACKStaticTable.octets.withUnsafeBytes { octets in
                fields.appendBytes(
                    UnsafeRawBufferPointer(rebasing: octets[entry.start..<(value ? entry.end : entry.nameEnd)]))
            }
            return (entry.nameEnd - entry.start, entry.staticName)
        }
        let found = table.withEntry(index - HPACKStaticTable.count) { octets, nameCount, staticName in
            fields.appendBytes(value ? octets : UnsafeRawBufferPointer(rebasing: octets[..<nameCount]))
            return (nameCount, staticName)
        }
        guard let found else {
            throw Failure(description: "index \(index) past the tables (\(HPACKStaticTable.count + table.count))")
        }
        return found
    }

    /// The block's bytes, read front to back.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        /// 5.1: an integer with an N-bit prefix, at most 2^28 (no table, string or list the gateway allows is near)
        /// and at most 9 bytes after the prefix (NIOHPACK's bound: it allowed redundant zero bytes up to there).
        mutating func integer(prefix: Int) throws(Failure) -> Int {
            guard index < bytes.count else { throw Failure(description: "an integer past the block's end") }
            let mask = (1 << prefix) - 1
            var value = Int(bytes[index]) & mask
            index += 1
            guard value == mask else { return value }
            var shift = 0
            while true {
                guard index < bytes.count else { throw Failure(description: "an integer past the block's end") }
                let byte = bytes[index]
                index += 1
                let bits = Int(byte & 0x7f)
                guard bits == 0 || shift <= 28, case let added = value + bits << shift, added <= 1 << 28 else {
                    throw Failure(description: "an integer over 2^28")
                }
                value = added
                shift += 7
                if byte & 0x80 == 0 { return value }
                guard shift < 63 else { throw Failure(description: "an integer over 2^28") }
            }
        }

        /// 5.2: a string literal, Huffman-coded or not, appended to `fields`' octets as they are (octets that are
        /// not UTF-8 too); returns how many. A coded string is looked up in `memo` first, and kept there once decoded.
        mutating func string(into fields: inout HTTP2Fields, memo: inout HPACKHuffmanMemo) throws(Failure) -> Int {
            guard let first = peek() else { throw Failure(description: "a string past the block's end") }
            let length = try integer(prefix: 7)
            guard length <= bytes.count - index else {
                throw Failure(description: "a string of \(length) bytes past the block's end")
            }
            let encoded = UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])
            index += length
            guard first & 0x80 != 0 else {
                fields.appendBytes(encoded)
                return length
            }
            if let known = memo.lookup(
                encoded,
                { decoded in
                    fields.appendBytes(decoded)
                    return decoded.count
                })
            {
                return known
            }
            guard
                let decoded = fields.appendBytes(
                    capacity: HPACKHuffman.maxDecodedCount(length), { HPACKHuffman.decode(encoded, into: $0) })
            else { throw Failure(description: "a Huffman string that does not decode") }
            fields.withBytes { bytes in
                memo.remember(
                    encoded,
                    decoded: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[(bytes.count - decoded)...])))
            }
            return decoded
        }
    }
}
