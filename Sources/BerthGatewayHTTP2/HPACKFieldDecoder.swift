import NIOCore
import NIOHPACK

/// The gateway's HPACK decoder (RFC 7541) for header blocks on both legs, in place of NIOHPACK's: it reads the block's
/// bytes in place, takes indexed names and values from tables that hold them as `String`s already (the static table's
/// are literals; a dynamic entry is decoded once, then shared), and decodes Huffman four bits a step into the
/// `String`'s own storage. It enforces what NIOHPACK's did: the header list size (octets of name and value plus 32
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
    /// The list each block's fields are collected in, kept between blocks with its storage (at most the fields the
    /// list size allows, `maxHeaderListSize / 32`).
    private var fields = HPACKFieldList(capacity: 12)

    init(maxHeaderListSize: Int, maxTableSize: Int) {
        self.maxHeaderListSize = maxHeaderListSize
        self.maxTableSize = maxTableSize
        self.table = HPACKDynamicTable(capacity: maxTableSize)
    }

    /// The fields of one whole header block (HEADERS and its CONTINUATIONs' fragments).
    mutating func decode(_ block: ByteBuffer) throws(Failure) -> HPACKHeaders {
        let result = block.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return Result { () throws(Failure) in try decodeFields(&reader) }
        }
        return try result.get()
    }

    private mutating func decodeFields(_ reader: inout Reader) throws(Failure) -> HPACKHeaders {
        // Taken out of `self` so that it is the storage's only owner while fields are appended; put back emptied.
        var fields = self.fields
        self.fields = HPACKFieldList(capacity: 0)
        defer {
            fields.removeAll()
            self.fields = fields
        }
        // Fields kept before the first name that is not ASCII, which a table size update may not follow (what the
        // check was when such a name sent the fields to a list apart and only the ones before it counted).
        var keptASCII = 0
        var listSize = 0
        var updates = 0
        while let first = reader.peek() {
            let field: (name: String, value: String, size: Int, indexing: HPACKIndexing, ascii: Bool)
            if first & 0x80 != 0 {
                // 6.1: an indexed field.
                let index = try reader.integer(prefix: 7)
                guard index != 0 else { throw Failure(description: "an indexed field with index 0") }
                let entry = try self.entry(index)
                field = (entry.name, entry.value, entry.size, .indexable, entry.asciiName)
            } else if first & 0x40 != 0 {
                // 6.2.1: a literal added to the dynamic table.
                let literal = try self.literal(&reader, prefix: 6)
                table.add(
                    HPACKDynamicTable.Entry(
                        name: literal.name, value: literal.value, size: literal.size, asciiName: literal.ascii))
                field = (literal.name, literal.value, literal.size, .indexable, literal.ascii)
            } else if first & 0x20 != 0 {
                // 6.3: a table size update, only before the first field (4.2), at most two.
                guard keptASCII == 0 else { throw Failure(description: "a table size update after a field") }
                updates += 1
                guard updates <= 2 else { throw Failure(description: "more than two table size updates") }
                let size = try reader.integer(prefix: 5)
                guard size <= maxTableSize else {
                    throw Failure(description: "a table size update to \(size) (at most \(maxTableSize))")
                }
                table.resize(to: size)
                continue
            } else {
                // 6.2.2 and 6.2.3: a literal not indexed, or never indexed (0x10).
                let literal = try self.literal(&reader, prefix: 4)
                let indexing: HPACKIndexing = first & 0x10 != 0 ? .neverIndexed : .nonIndexable
                field = (literal.name, literal.value, literal.size, indexing, literal.ascii)
            }
            listSize += field.size
            // Past the limit the block is still read to its end, keeping no field, so that the dynamic table stays
            // in step with the peer's and only this stream is refused (one gRPC call's oversize metadata closed the
            // client's whole connection, failing every call on it: audit8).
            guard listSize <= maxHeaderListSize else { continue }
            if field.ascii, !fields.hasNonASCIIName { keptASCII += 1 }
            fields.append(name: field.name, value: field.value, indexing: field.indexing, ascii: field.ascii)
        }
        guard listSize <= maxHeaderListSize else {
            throw Failure(
                description: "a header list of \(listSize) bytes (at most \(maxHeaderListSize))", keepsConnection: true)
        }
        return fields.headers()
    }

    /// The static or dynamic table's entry at `index` (2.3.3: the dynamic table follows the static one).
    private func entry(_ index: Int) throws(Failure) -> HPACKDynamicTable.Entry {
        if index <= HPACKStaticTable.count {
            let field = HPACKStaticTable.fields[index]
            let size = field.name.utf8.count + field.value.utf8.count + 32
            return .init(name: field.name, value: field.value, size: size, asciiName: true)
        }
        guard let entry = table.entry(index - HPACKStaticTable.count) else {
            throw Failure(description: "index \(index) past the tables (\(HPACKStaticTable.count + table.count))")
        }
        return entry
    }

    /// A literal field's name (indexed, or a string when the prefix integer is 0) and value; `size` in octets + 32.
    private func literal(
        _ reader: inout Reader, prefix: Int
    ) throws(Failure) -> (name: String, value: String, size: Int, ascii: Bool) {
        let index = try reader.integer(prefix: prefix)
        let name: String
        let nameSize: Int
        let ascii: Bool
        if index == 0 {
            (name, nameSize) = try reader.string()
            guard nameSize > 0 else { throw Failure(description: "a literal field with an empty name") }
            ascii = name.utf8.allSatisfy { $0 < 0x80 }
        } else {
            let entry = try self.entry(index)
            (name, ascii) = (entry.name, entry.asciiName)
            nameSize = entry.name.utf8.count
        }
        let (value, valueSize) = try reader.string()
        return (name, value, nameSize + valueSize + 32, ascii)
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

        /// 5.2: a string literal, Huffman-coded or not, and its decoded length in octets. Octets that are not UTF-8
        /// become U+FFFD in the `String`, as NIOHPACK's did; the size counts the octets sent.
        mutating func string() throws(Failure) -> (String, Int) {
            guard let first = peek() else { throw Failure(description: "a string past the block's end") }
            let length = try integer(prefix: 7)
            guard length <= bytes.count - index else {
                throw Failure(description: "a string of \(length) bytes past the block's end")
            }
            let encoded = UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])
            index += length
            guard first & 0x80 != 0 else { return (String(decoding: encoded, as: UTF8.self), length) }
            var decodedCount: Int? = 0
            let string = String(unsafeUninitializedCapacity: HPACKHuffman.maxDecodedCount(length)) { output in
                decodedCount = HPACKHuffman.decode(encoded, into: output)
                return decodedCount ?? 0
            }
            guard let decodedCount else { throw Failure(description: "a Huffman string that does not decode") }
            return (string, decodedCount)
        }
    }
}
