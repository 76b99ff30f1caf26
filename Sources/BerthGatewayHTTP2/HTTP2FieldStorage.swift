/// The storage of an `HTTP2Fields`: one tail-allocated buffer (one allocation per block) holding the field records
/// (`HTTP2Fields.Field`, at the front) and then the octets of every name and value, written by `memcpy` and read in
/// place. The octets used to be a `ByteBuffer` (~70 instructions per write in its index and capacity bookkeeping),
/// then an `Array` (its `append(contentsOf:)` of raw bytes copied one byte at a time); the records were an `Array`
/// beside them, a second allocation per block.
///
/// Values that share a storage may each append to it while the one appending ends where the storage's used part
/// ends (`Header.fields`, `Header.bytes`): what it writes is past every other value's view. The gateway copies a
/// block to append its own fields (a request's forwarding fields and id, a response's id), and the block it copied
/// is usually still held up the call chain, so that copy-on-write copied the whole block (~2.5k instructions per
/// request in bench/h2-profile.sh). Not thread-safe: a block stays on its connection's event loop.
final class HTTP2FieldStorage: ManagedBuffer<HTTP2FieldStorage.Header, UInt8> {
    struct Header {
        /// Records and octets written, by any value sharing this storage (the high-water marks).
        var fields: Int
        var bytes: Int
        /// Room for records and octets, kept here: `ManagedBuffer.capacity` asks the allocator each time
        /// (`malloc_usable_size`, ~450 instructions per request).
        var fieldCapacity: Int
        var byteCapacity: Int
    }

    static let recordSize = MemoryLayout<HTTP2Fields.Field>.stride

    /// An empty storage with room for at least `fieldCapacity` records and `byteCapacity` octets.
    static func make(fieldCapacity: Int, byteCapacity: Int) -> HTTP2FieldStorage {
        let fieldCapacity = max(fieldCapacity, 4)
        let made = create(minimumCapacity: fieldCapacity * recordSize + max(byteCapacity, 64)) {
            Header(
                fields: 0, bytes: 0, fieldCapacity: fieldCapacity,
                byteCapacity: $0.capacity - fieldCapacity * recordSize)
        }
        return unsafeDowncast(made, to: HTTP2FieldStorage.self)
    }

    /// A copy of the first `fields` records and `bytes` octets, with room for at least the capacities given.
    func copy(fields: Int, bytes: Int, fieldCapacity: Int, byteCapacity: Int) -> HTTP2FieldStorage {
        let copy = Self.make(fieldCapacity: fieldCapacity, byteCapacity: byteCapacity)
        copy.withUnsafeMutablePointers { header, target in
            withUnsafeMutablePointers { sourceHeader, source in
                target.update(from: source, count: fields * Self.recordSize)
                (target + header.pointee.fieldCapacity * Self.recordSize).update(
                    from: source + sourceHeader.pointee.fieldCapacity * Self.recordSize, count: bytes)
            }
            header.pointee.fields = fields
            header.pointee.bytes = bytes
        }
        return copy
    }

    /// Where the octets start.
    @inline(__always)
    func octets(_ elements: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        elements + header.fieldCapacity * Self.recordSize
    }
}
