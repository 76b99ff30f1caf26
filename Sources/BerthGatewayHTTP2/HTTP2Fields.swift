import NIOHPACK

/// A header block as the gateway carries it from one leg to the other: every name's and value's octets in one buffer
/// (`HTTP2FieldOctets`), and per field its offsets, its HPACK indexing and the static table's index of its name (RFC
/// 7541 Appendix A; 0 when the name is not there). The decoder writes octets here as it reads them, the checks read
/// them in place and the encoders copy them out, so a block costs two allocations whatever its fields. NIOHPACK's `HPACKHeaders`, carried
/// before, held two `String`s per field: each value past 15 bytes allocated, every copy of a block retained them all,
/// its `add` scanned each name for a byte that is not ASCII, and the encoders looked every name up again
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

    /// The octets, from index 0 (`HTTP2FieldOctets` says why not an array or a `ByteBuffer`), shared by copies
    /// until one of them writes.
    private var storage: HTTP2FieldOctets
    private(set) var fields: [Field]

    init() {
        self.init(fieldCapacity: 0, byteCapacity: 0)
    }

    init(fieldCapacity: Int, byteCapacity: Int) {
        storage = HTTP2FieldOctets.make(capacity: byteCapacity)
        fields = []
        fields.reserveCapacity(fieldCapacity)
    }

    /// Every name's and value's octets, in order (tests).
    var bytes: [UInt8] { withBytes { Array($0) } }

    /// Room for `count` more octets at the end, the storage this value's own: where to write them.
    @inline(__always)
    private mutating func reserve(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        let (used, capacity) = (storage.header.count, storage.header.capacity)
        if !isKnownUniquelyReferenced(&storage) || used + count > capacity {
            storage = storage.copy(count: used, capacity: Swift.max(used + count, capacity * 2))
        }
        return storage.withUnsafeMutablePointerToElements { $0 + used }
    }

    /// Writes `raw` at the end.
    @inline(__always)
    private mutating func write(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        let at = reserve(raw.count)
        UnsafeMutableRawPointer(at).copyMemory(from: source, byteCount: raw.count)
        storage.header.count += raw.count
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

    var count: Int { fields.count }
    var isEmpty: Bool { fields.isEmpty }
    /// The octets of every name and value (RFC 7541 § 4.1 counts 32 more per field).
    var byteCount: Int { storage.header.count }

    mutating func reserveCapacity(_ fieldCount: Int) {
        fields.reserveCapacity(fieldCount)
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
        let start = UInt32(truncatingIfNeeded: storage.header.count)
        write(name)
        let valueStart = UInt32(truncatingIfNeeded: storage.header.count)
        write(value)
        fields.append(
            Field(
                nameStart: start, valueStart: valueStart, valueEnd: UInt32(truncatingIfNeeded: storage.header.count),
                indexing: indexing, staticName: staticName))
    }

    /// Appends field `index` of `other`, octets and all.
    mutating func append(_ other: HTTP2Fields, _ index: Int) {
        let field = other.fields[index]
        let start = UInt32(truncatingIfNeeded: storage.header.count)
        other.withBytes { bytes in
            write(
                UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.valueEnd)]))
            )
        }
        fields.append(
            Field(
                nameStart: start, valueStart: start + (field.valueStart - field.nameStart),
                valueEnd: UInt32(truncatingIfNeeded: storage.header.count), indexing: field.indexing,
                staticName: field.staticName))
    }

    /// Appends a value's octets through `body`, which writes at most `capacity` of them and returns how many it
    /// wrote (nil: none, and the value is not appended): the Huffman decoder writes here directly.
    mutating func appendBytes(capacity: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int?) -> Int? {
        let at = reserve(capacity)
        guard let written = body(UnsafeMutableBufferPointer(start: at, count: capacity)) else { return nil }
        storage.header.count += written
        return written
    }

    /// Appends octets (a field's name, or its value; `endField` ends the field).
    mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        write(raw)
    }

    /// Where the next octets appended start.
    var endIndex: Int { storage.header.count }

    /// Ends a field whose octets were appended from `start`, its name `nameCount` of them.
    mutating func endField(start: Int, nameCount: Int, indexing: HPACKIndexing, staticName: UInt8) {
        fields.append(
            Field(
                nameStart: UInt32(truncatingIfNeeded: start), valueStart: UInt32(truncatingIfNeeded: start + nameCount),
                valueEnd: UInt32(truncatingIfNeeded: storage.header.count), indexing: indexing, staticName: staticName))
    }

    /// Drops the octets appended from `start` that no field holds (a field past the list's limit).
    mutating func dropBytes(from start: Int) {
        _ = reserve(0)
        storage.header.count = start
    }

    /// Calls `body` with the octets, for reading fields in place.
    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeMutablePointers { header, octets in
            try body(UnsafeBufferPointer(start: octets, count: header.pointee.count))
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

/// A value: its octets' storage is written only when this value holds the only reference (`reserve`), as an array's.
extension HTTP2Fields: @unchecked Sendable {}
