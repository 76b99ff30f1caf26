import NIOCore

/// Head buffers already written and sent, kept by the loop for the next heads: every request wrote two new ones
/// (the request head for the replica, the response head for the client), each a `ByteBuffer` storage object and its
/// bytes, two allocations and two frees apiece (~1,100 instructions per request in the profile). A buffer comes
/// back once its bytes were handed to NIO; when NIO has sent them by the time it is taken again (the common case:
/// a flush writes at once), `clear()` finds the storage unshared and reuses it; when NIO still holds it (a slow
/// reader), `clear()` copies on write into new storage, as a new buffer would have cost. Per loop, not per
/// connection: idle connections keep nothing.
struct HeadBufferPool {
    /// Enough for the requests in flight on one loop under load; more come and go as before.
    static let maxCount = 64
    /// A buffer grown past this (a huge head, or a body joined to it) is not kept.
    static let maxCapacity = 16 * 1024

    private var spare: [ByteBuffer] = []

    init() {
        spare.reserveCapacity(Self.maxCount)
    }

    /// An empty buffer for a head of about `estimate` bytes: a kept one if any, else a new one.
    mutating func take(allocator: ByteBufferAllocator, estimate: Int) -> ByteBuffer {
        guard var buffer = spare.popLast() else { return allocator.buffer(capacity: estimate) }
        buffer.clear()
        return buffer
    }

    /// Keeps `buffer` (a head this loop wrote and handed to NIO) for a later head.
    mutating func give(_ buffer: ByteBuffer) {
        guard spare.count < Self.maxCount, buffer.capacity <= Self.maxCapacity else { return }
        spare.append(buffer)
    }
}
