import NIOCore
import NIOEmbedded

/// The replica's half of an input in the mode with ready replicas: the body is the client's bytes, then the
/// replica's, split by a two-byte length in front.
enum ReplicaInput {
    /// (client bytes, replica bytes): the first two bytes (big-endian) are the client part's length, cut to what
    /// there is.
    static func split(_ body: [UInt8]) -> ([UInt8], [UInt8]) {
        guard body.count >= 2 else { return ([], []) }
        let length = min(Int(body[0]) << 8 | Int(body[1]), body.count - 2)
        return (Array(body[2..<(2 + length)]), Array(body[(2 + length)...]))
    }

    /// Writes `bytes` into the replica connection as its reads, then drops what the gateway wrote to it (not looked
    /// at, as a replica would read it).
    static func feed(_ bytes: [UInt8], to channel: EmbeddedChannel) {
        writeInPieces(bytes, to: channel)
        while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
    }

    /// Writes `bytes` into a channel (the client's or a replica's) as reads from a socket come: in pieces of varying
    /// size (the byte at a piece's start chooses its length), while the channel is open.
    static func writeInPieces(_ bytes: [UInt8], to channel: EmbeddedChannel) {
        var index = 0
        while index < bytes.count, channel.isActive {
            let end = min(bytes.count, index + 1 + Int(bytes[index]) * 8)
            var buffer = channel.allocator.buffer(capacity: end - index)
            buffer.writeBytes(bytes[index..<end])
            _ = try? channel.writeInbound(buffer)
            index = end
        }
    }
}
