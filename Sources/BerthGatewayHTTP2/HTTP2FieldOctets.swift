/// The octets of an `HTTP2Fields`: one tail-allocated buffer (one allocation), written by `memcpy` and read in
/// place. `ByteBuffer` (tried first) cost ~70 instructions per write in its index and capacity bookkeeping, and
/// `Array.append(contentsOf:)` of raw bytes copied one byte at a time: a block's fields are written in small
/// pieces (a name, a value), ~60 of them per request in bench/h2-profile.sh.
final class HTTP2FieldOctets: ManagedBuffer<HTTP2FieldOctets.Header, UInt8> {
    struct Header {
        /// Octets written.
        var count: Int
        /// Room for octets, kept here: `ManagedBuffer.capacity` asks the allocator each time (`malloc_usable_size`,
        /// ~450 instructions per request).
        var capacity: Int
    }

    /// An empty buffer with room for at least `capacity` octets.
    static func make(capacity: Int) -> HTTP2FieldOctets {
        let made = create(minimumCapacity: max(capacity, 64)) { Header(count: 0, capacity: $0.capacity) }
        return unsafeDowncast(made, to: HTTP2FieldOctets.self)
    }

    /// A copy of the first `count` octets, with room for at least `capacity`.
    func copy(count: Int, capacity: Int) -> HTTP2FieldOctets {
        let copy = Self.make(capacity: capacity)
        copy.withUnsafeMutablePointers { header, octets in
            withUnsafeMutablePointerToElements { source in octets.update(from: source, count: count) }
            header.pointee.count = count
        }
        return copy
    }
}
