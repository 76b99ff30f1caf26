import NIOCore

/// Sits between a client's socket and `NIOHTTP2Handler` and gathers the bytes NIOHTTP2 writes between two flushes
/// into one buffer: NIOHTTP2 writes every frame as its own buffer (a DATA frame as two: its header, then its
/// payload), and each write is one more entry in the channel's pending writes, one more `writev` element and one
/// more allocation (NIOHTTP2 reuses its frame buffer, which a write still holding it forces to be copied). The
/// replica leg's codec writes one buffer per turn already (`ReplicaCodecHandler.writeOutbound`). Order is kept:
/// anything that is not a small buffer (a file region, a large DATA payload) first sends what was gathered. The promises of gathered writes
/// complete with the one write that carries them.
final class ClientWriteCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A buffer this large (a big DATA payload) is written as it is, not copied.
    static let largest = 8 * 1024
    private var gathered: ByteBuffer?
    private var promises: [EventLoopPromise<Void>] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var bytes) = unwrapOutboundIn(data), bytes.readableBytes < Self.largest else {
            writeGathered(context: context)
            return context.write(data, promise: promise)
        }
        if gathered == nil {
            gathered = context.channel.allocator.buffer(capacity: max(4096, bytes.readableBytes))
        }
        gathered!.writeBuffer(&bytes)
        if let promise { promises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        writeGathered(context: context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // What was written before the close goes first, as it would have without this handler (unflushed, it is
        // then failed by the channel like any pending write).
        writeGathered(context: context)
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        writeGathered(context: context)
    }

    private func writeGathered(context: ChannelHandlerContext) {
        guard let bytes = gathered else { return }
        gathered = nil
        context.write(wrapOutboundOut(.byteBuffer(bytes)), completing: &promises)
    }
}
