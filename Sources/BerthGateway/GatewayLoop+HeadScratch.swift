import BerthGatewayCore
import NIOCore

extension GatewayLoop {
    /// Writes a head with `write` into the loop's reused scratch array, then copies it into a new `ByteBuffer` in
    /// one piece. Appending a head's pieces (a name, `: `, a value, CRLF...) to a `ByteBuffer` one call each cost
    /// about 20,000 instructions per request in the profile (every `writeInteger`/`writeBytes` checks capacity and
    /// uniqueness); appending them to an array with reserved capacity is a few instructions each, and the one copy
    /// of a few hundred bytes is negligible. The array is taken out of the loop while in use (no copy on write).
    func writeHead(allocator: ByteBufferAllocator, _ write: (inout [UInt8]) -> Void) -> ByteBuffer {
        var scratch = headScratch
        headScratch = []
        defer {
            scratch.removeAll(keepingCapacity: true)
            headScratch = scratch
        }
        write(&scratch)
        var buffer = allocator.buffer(capacity: scratch.count)
        buffer.writeBytes(scratch)
        return buffer
    }
}
