import NIOHPACK

/// A header block as the gateway carries it from one leg to the other: per field its offsets, its HPACK indexing and
/// the static table's index of its name (RFC 7541 Appendix A; 0 when the name is not there), and every name's and
/// value's octets, all in one buffer (`HTTP2FieldStorage`). The decoder writes octets here as it reads them, the
/// checks read them in place and the encoders copy them out, so a block costs one allocation whatever its fields,
/// and appending to a copy of a block usually costs none (`HTTP2FieldStorage` says when). NIOHPACK's `HPACKHeaders`,
/// carried before, held two `String`s per field: each value past 15 bytes allocated, every copy of a block retained
/// them all, its `add` scanned each name for a byte that is not ASCII, and the encoders looked every name up again
/// (bench/h2-profile.sh: ~20k of the ~59k instructions per request were spent on header blocks). NIOHTTP2's legs,
/// the HTTP/1.1 bridge and the tests meet `HPACKHeaders` at their edges (`init(_:)`, `hpackHeaders`).
///
/// Octets are kept as received: a value that is not UTF-8 is forwarded as it came (a `String` replaced it with
/// U+FFFD); where a `String` is needed (routing, the HTTP/1.1 side) it is made on demand.
struct HTTP2Fields {
    struct Field: Equatable {
        var nameStart: UInt32
        /// Where the name ends and the value starts.
        var valueStart: UInt32
        var valueEnd: UInt32
        var indexing: HPACKIndexing
        /// RFC 7541's static index of the name (the first, for names with several entries), 0 when it has none:
        /// known to the decoder for indexed names, so that no encoder or check compares them again.
        var staticName: UInt8
    }

    /// The fields' records, read in place.
    struct FieldList: RandomAccessCollection {
        fileprivate let storage: HTTP2FieldStorage
        let endIndex: Int
        var startIndex: Int { 0 }

        subscript(index: Int) -> Field {
            @inline(__always) get {
                precondition(index >= 0 && index < endIndex, "field index out of range")
                return storage.withUnsafeMutablePointerToElements {
                    UnsafeRawPointer($0).load(fromByteOffset: index * HTTP2FieldStorage.recordSize, as: Field.self)
                }
            }
        }
    }

    /// Records and octets, shared by copies (`HTTP2FieldStorage` says how they append).
    private var storage: HTTP2FieldStorage
    /// This value's records and octets: the first of the storage's.
    private var fieldCount: UInt32
    private var octetCount: UInt32

    init() {
        self.init(fieldCapacity: 0, byteCapacity: 0)
    }

    init(fieldCapacity: Int, byteCapacity: Int) {
        storage = HTTP2FieldStorage.make(fieldCapacity: fieldCapacity, byteCapacity: byteCapacity)
        fieldCount = 0
        octetCount = 0
    }

    /// Every name's and value's octets, in order (tests).
    var bytes: [UInt8] { withBytes { Array($0) } }

    var fields: FieldList { FieldList(storage: storage, endIndex: Int(fieldCount)) }

    /// Makes room for `fields` more records and `bytes` more octets at this value's end, in a storage it may write
    /// there: its own, or a shared one whose used part ends where this value does.
    @inline(__always)
    private mutating func reserve(fields: Int, bytes: Int) {
        let header = storage.header
        let (count, used) = (Int(fieldCount), Int(octetCount))
        let atEnd = header.fields == count && header.bytes == used
        if (atEnd || isKnownUniquelyReferenced(&storage)) && count + fields <= header.fieldCapacity
            && used + bytes <= header.byteCapacity
        {
            return
        }
        storage = storage.copy(
            fields: count, bytes: used,
            fieldCapacity: count + fields <= header.fieldCapacity
                ? header.fieldCapacity : Swift.max(count + fields, count * 2),
            byteCapacity: used + bytes <= header.byteCapacity ? header.byteCapacity : Swift.max(used + bytes, used * 2))
    }

    /// Writes `raw` at the end (room reserved).
    @inline(__always)
    private mutating func write(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        let used = Int(octetCount)
        storage.withUnsafeMutablePointerToElements { elements in
            UnsafeMutableRawPointer(storage.octets(elements) + used).copyMemory(from: source, byteCount: raw.count)
        }
        setOctetCount(used + raw.count)
    }

    @inline(__always)
    private mutating func setOctetCount(_ count: Int) {
        octetCount = UInt32(truncatingIfNeeded: count)
        storage.header.bytes = count
        storage.header.fields = Int(fieldCount)
    }

    /// Appends a record (room reserved).
    @inline(__always)
    private mutating func write(_ field: Field) {
        let index = Int(fieldCount)
        storage.withUnsafeMutablePointerToElements { elements in
            UnsafeMutableRawPointer(elements).storeBytes(
                of: field, toByteOffset: index * HTTP2FieldStorage.recordSize, as: Field.self)
        }
        fieldCount += 1
        storage.header.fields = index + 1
        storage.header.bytes = Int(octetCount)
    }

    init(_ pairs: [(String, String)]) {
        self.init(fieldCapacity: pairs.count, byteCapacity: 64)
        for (name, value) in pairs { add(name: name, value: value) }
    }

    /// NIOHPACK's block (from NIOHTTP2's legs), each field's indexing kept.
    init(_ headers: HPACKHeaders) {
        self.init(fieldCapacity: headers.count, byteCapacity: 64)
        for (name, value, indexing) in headers { add(name: name, value: value, indexing: indexing) }
    }

    /// The block as NIOHPACK's type (for NIOHTTP2's legs). A name that is not ASCII, which `HPACKHeaders.add` would
    /// trap on, is written with its octets repaired (such a block is refused by the checks before it is forwarded).
    var hpackHeaders: HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(count)
        for index in fields.indices {
            var name = self.name(index)
            if name.utf8.contains(where: { $0 >= 0x80 }) {
                name = String(name.utf8.map { $0 >= 0x80 ? Character("?") : Character(Unicode.Scalar($0)) })
            }
            headers.add(name: name, value: value(index), indexing: fields[index].indexing)
        }
        return headers
    }

    var count: Int { Int(fieldCount) }
    var isEmpty: Bool { fieldCount == 0 }
    /// The octets of every name and value (RFC 7541 § 4.1 counts 32 more per field).
    var byteCount: Int { Int(octetCount) }

    mutating func reserveCapacity(_ capacity: Int) {
        reserve(fields: Swift.max(0, capacity - count), bytes: 0)
    }

    /// Adds a field whose name is lowercase (HTTP/2's rule; the gateway's own fields and the HTTP/1.1 side's, which
    /// lowercase theirs).
    mutating func add(name: String, value: String, indexing: HPACKIndexing = .indexable) {
        var name = name
        var value = value
        name.withUTF8 { name in
            value.withUTF8 { value in
                append(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value), indexing: indexing)
            }
        }
    }

    /// Adds one of the gateway's own fields, whose name's static index the caller knows (0: none).
    mutating func add(name: StaticString, value: String, indexing: HPACKIndexing = .indexable, staticName: UInt8) {
        var value = value
        value.withUTF8 { value in
            append(
                name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount),
                value: UnsafeRawBufferPointer(value), indexing: indexing, staticName: staticName)
        }
    }

    /// Appends a field from its octets; its name's static index is looked up (`HTTP2FieldName.staticIndex`).
    mutating func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, indexing: HPACKIndexing) {
        append(name: name, value: value, indexing: indexing, staticName: HTTP2FieldName.staticIndex(name))
    }

    /// Appends a field whose name's static index the caller knows.
    mutating func append(
        name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, indexing: HPACKIndexing, staticName: UInt8
    ) {
        reserve(fields: 1, bytes: name.count + value.count)
        let start = octetCount
        write(name)
        let valueStart = octetCount
        write(value)
        write(
            Field(
                nameStart: start, valueStart: valueStart, valueEnd: octetCount, indexing: indexing,
                staticName: staticName))
    }

    /// Appends field `index` of `other`, octets and all.
    mutating func append(_ other: HTTP2Fields, _ index: Int) {
        let field = other.fields[index]
        reserve(fields: 1, bytes: Int(field.valueEnd - field.nameStart))
        let start = octetCount
        other.withBytes { bytes in
            write(
                UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueEnd)]))
            )
        }
        write(
            Field(
                nameStart: start, valueStart: start + (field.valueStart - field.nameStart), valueEnd: octetCount,
                indexing: field.indexing, staticName: field.staticName))
    }

    /// Appends a value's octets through `body`, which writes at most `capacity` of them and returns how many it
    /// wrote (nil: none, and the value is not appended): the Huffman decoder writes here directly.
    mutating func appendBytes(capacity: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int?) -> Int? {
        reserve(fields: 0, bytes: capacity)
        let used = Int(octetCount)
        let written = storage.withUnsafeMutablePointerToElements { elements in
            body(UnsafeMutableBufferPointer(start: storage.octets(elements) + used, count: capacity))
        }
        guard let written else { return nil }
        setOctetCount(used + written)
        return written
    }

    /// Appends octets (a field's name, or its value; `endField` ends the field).
    mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        reserve(fields: 0, bytes: raw.count)
        write(raw)
    }

    /// Where the next octets appended start.
    var endIndex: Int { Int(octetCount) }

    /// Ends a field whose octets were appended from `start`, its name `nameCount` of them.
    mutating func endField(start: Int, nameCount: Int, indexing: HPACKIndexing, staticName: UInt8) {
        reserve(fields: 1, bytes: 0)
        write(
            Field(
                nameStart: UInt32(truncatingIfNeeded: start), valueStart: UInt32(truncatingIfNeeded: start + nameCount),
                valueEnd: octetCount, indexing: indexing, staticName: staticName))
    }

    /// Drops the octets appended from `start` that no field holds (a field past the list's limit).
    mutating func dropBytes(from start: Int) {
        octetCount = UInt32(truncatingIfNeeded: start)
        // The storage's used part shrinks only when no other value can hold the octets dropped; otherwise this value
        // no longer ends where it does, and its next append copies.
        if isKnownUniquelyReferenced(&storage) {
            storage.header.bytes = start
            storage.header.fields = Int(fieldCount)
        }
    }

    /// Calls `body` with the octets, for reading fields in place.
    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutablePointerToElements { elements in
            try body(UnsafeBufferPointer(start: storage.octets(elements), count: Int(octetCount)))
        }
    }

    func name(_ index: Int) -> String {
        let field = fields[index]
        return string(Int(field.nameStart), Int(field.valueStart))
    }

    func value(_ index: Int) -> String {
        let field = fields[index]
        return string(Int(field.valueStart), Int(field.valueEnd))
    }

    func indexing(_ index: Int) -> HPACKIndexing { fields[index].indexing }

    private func string(_ start: Int, _ end: Int) -> String {
        withBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    /// Whether field `index`'s name is `name` (octet for octet).
    func nameIs(_ index: Int, _ name: StaticString) -> Bool {
        let field = fields[index]
        return withBytes { HTTP2FieldName.equals($0, Int(field.nameStart), Int(field.valueStart), name) }
    }

    /// Whether field `index`'s value is `value` (octet for octet).
    func valueIs(_ index: Int, _ value: StaticString) -> Bool {
        let field = fields[index]
        return withBytes { HTTP2FieldName.equals($0, Int(field.valueStart), Int(field.valueEnd), value) }
    }

    /// The first field named `name`, without regard to case (as `HPACKHeaders.first(name:)`): for the paths that
    /// read a field or two, not the forwarding path.
    func firstIndex(name: String) -> Int? { indices(name: name).first }

    func first(name: String) -> String? { firstIndex(name: name).map(value) }

    func contains(name: String) -> Bool { firstIndex(name: name) != nil }

    /// The fields for which `keep` is true, in order.
    func keeping(_ keep: (Int) -> Bool) -> HTTP2Fields {
        var kept = HTTP2Fields(fieldCapacity: count, byteCapacity: byteCount)
        for index in fields.indices where keep(index) { kept.append(self, index) }
        return kept
    }
}

extension HTTP2Fields: Sequence {
    typealias Element = (name: String, value: String, indexing: HPACKIndexing)

    struct Iterator: IteratorProtocol {
        let fields: HTTP2Fields
        var index = 0

        mutating func next() -> Element? {
            guard index < fields.count else { return nil }
            defer { index += 1 }
            return (fields.name(index), fields.value(index), fields.indexing(index))
        }
    }

    func makeIterator() -> Iterator { Iterator(fields: self) }

    var underestimatedCount: Int { count }
}

extension HTTP2Fields: Equatable {
    /// The same names and values, octet for octet, in the same order (wherever their octets sit); the indexing is not
    /// compared, as `HPACKHeaders`' `==` did not (a block decoded after an encoder that indexes nothing is equal).
    static func == (lhs: HTTP2Fields, rhs: HTTP2Fields) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withBytes { left in
            rhs.withBytes { right in
                zip(lhs.fields, rhs.fields).allSatisfy { a, b in
                    a.valueStart - a.nameStart == b.valueStart - b.nameStart
                        && a.valueEnd - a.nameStart == b.valueEnd - b.nameStart
                        && left[Int(a.nameStart)..<Int(a.valueEnd)].elementsEqual(
                            right[Int(b.nameStart)..<Int(b.valueEnd)])
                }
            }
        }
    }
}

extension HTTP2Fields: ExpressibleByArrayLiteral {
    init(arrayLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

extension HTTP2Fields: CustomStringConvertible {
    var description: String { "\(map { ($0.name, $0.value) })" }
}

extension HTTP2Fields: ExpressibleByDictionaryLiteral {
    /// The fields in the literal's order (repeated names allowed, as in `HPACKHeaders`).
    init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

extension HTTP2Fields {
    /// The values of every field named `name`, without regard to case (as `HPACKHeaders`' subscript).
    subscript(_ name: String) -> [String] { indices(name: name).map(value) }
}

extension HTTP2Fields {
    /// Removes every field named `name`, without regard to case (as `HPACKHeaders.remove(name:)`).
    mutating func remove(name: String) {
        let removed = Set(self.indices(name: name))
        guard !removed.isEmpty else { return }
        self = keeping { !removed.contains($0) }
    }

    /// The indices of the fields named `name`, without regard to case.
    func indices(name: String) -> [Int] {
        let wanted = Array(name.utf8)
        return withBytes { bytes in
            fields.indices.filter { index in
                let field = fields[index]
                return Int(field.valueStart - field.nameStart) == wanted.count
                    && zip(bytes[Int(field.nameStart)..<Int(field.valueStart)], wanted).allSatisfy {
                        HTTP2FieldName.lower($0) == HTTP2FieldName.lower($1)
                    }
            }
        }
    }
}

/// A value: its storage is written only past what other values sharing it hold (`reserve`). Not `Sendable`: two
/// threads appending to values that share a storage would race on its header.
