import NIOCore
import Testing

@testable import BerthGateway

/// Head buffers are reused once sent, and a buffer NIO still holds is never written over (see `HeadBufferPool`).
@Suite struct HeadBufferPoolTests {
    private static func address(_ buffer: ByteBuffer) -> UInt? {
        buffer.withUnsafeReadableBytes { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }

    @Test func aSentHeadsStorageServesTheNextHead() {
        var pool = HeadBufferPool()
        var first = pool.take(allocator: ByteBufferAllocator(), estimate: 256)
        first.writeString("GET / HTTP/1.1\r\n\r\n")
        let storage = Self.address(first)
        pool.give(first)
        first = ByteBuffer()  // What NIO does once the bytes are written: it lets go.
        var second = pool.take(allocator: ByteBufferAllocator(), estimate: 256)
        #expect(second.readableBytes == 0)
        second.writeString("HTTP/1.1 200 OK\r\n\r\n")
        #expect(Self.address(second) == storage)
        #expect(String(buffer: second) == "HTTP/1.1 200 OK\r\n\r\n")
    }

    @Test func aHeadStillQueuedIsNotWrittenOver() {
        var pool = HeadBufferPool()
        var first = pool.take(allocator: ByteBufferAllocator(), estimate: 256)
        first.writeString("HTTP/1.1 200 OK\r\n\r\nok")
        let queued = first  // A slow client: NIO's pending writes still hold it.
        pool.give(first)
        first = ByteBuffer()
        var second = pool.take(allocator: ByteBufferAllocator(), estimate: 256)
        second.writeString("HTTP/1.1 404 Not Found\r\n\r\n")
        #expect(String(buffer: queued) == "HTTP/1.1 200 OK\r\n\r\nok")
        #expect(String(buffer: second) == "HTTP/1.1 404 Not Found\r\n\r\n")
        #expect(Self.address(second) != Self.address(queued))
    }

    @Test func thePoolKeepsFewAndSmallBuffers() {
        var pool = HeadBufferPool()
        let allocator = ByteBufferAllocator()
        pool.give(allocator.buffer(capacity: HeadBufferPool.maxCapacity + 1))
        // Nothing kept: the next head gets a new buffer of its own estimate.
        #expect(pool.take(allocator: allocator, estimate: 64).capacity < HeadBufferPool.maxCapacity)
        for _ in 0..<(HeadBufferPool.maxCount + 10) { pool.give(allocator.buffer(capacity: 64)) }
        var taken = 0
        while pool.take(allocator: allocator, estimate: 8192).capacity == 64 { taken += 1 }
        #expect(taken == HeadBufferPool.maxCount)
    }
}
