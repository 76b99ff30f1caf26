import BerthGatewayCore
import NIOCore

extension GatewayLoop {
    /// Writes a head with `write` straight into a new `ByteBuffer` of `estimate` bytes (or more), one `memcpy` per
    /// piece. Appending a head's pieces to a `ByteBuffer` one call each cost ~20,000 instructions per request in the
    /// profile (every `writeInteger`/`writeBytes` checks capacity and uniqueness), and staging them in a `[UInt8]`
    /// ~2,300 plus a second copy. A head larger than the estimate (rare: the estimate covers the received head and
    /// the fields the gateway adds) is written a second time into a buffer of the size the first try counted.
    static func writeHead(
        allocator: ByteBufferAllocator, estimate: Int, _ write: (inout HeadMemorySink) -> Void
    )
        -> ByteBuffer
    {
        writeHead(into: allocator.buffer(capacity: estimate), estimate: estimate, (), ()) { _, _, sink in write(&sink) }
    }

    /// As `writeHead(allocator:estimate:_:)`, into `buffer` (empty: one of `headBuffers`, so that no storage is
    /// allocated per head), with the head and its rewrite handed to `write` as arguments: a closure that captured
    /// them copied both per head (each copy retained and released their strings and arrays,
    /// through value witnesses: ~1,000 instructions per request in the profile).
    static func writeHead<Head, Rewrite>(
        into buffer: consuming ByteBuffer, estimate: Int, _ head: Head, _ rewrite: Rewrite,
        _ write: (Head, Rewrite, inout HeadMemorySink) -> Void
    ) -> ByteBuffer {
        var buffer = buffer
        var needed = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: estimate) { memory in
            var sink = HeadMemorySink(memory)
            write(head, rewrite, &sink)
            needed = sink.needed
            return sink.overflowed ? 0 : sink.needed
        }
        guard buffer.readableBytes != needed else { return buffer }
        buffer.clear(minimumCapacity: needed)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: needed) { memory in
            var sink = HeadMemorySink(memory)
            write(head, rewrite, &sink)
            precondition(!sink.overflowed, "a head's size changed between two writes")
            return sink.needed
        }
        return buffer
    }
}
