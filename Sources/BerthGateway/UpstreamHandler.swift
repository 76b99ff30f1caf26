import BerthGatewayCore
import NIOCore

/// One keep-alive connection to a replica. While attached to a client's exchange it hands every byte it reads to
/// that client; while idle in the pool it keeps reading so that a close by the replica is noticed at once.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// `unowned(unsafe)`, kept alive by `loopLifetime`: see `ClientHandler.loop`.
    unowned(unsafe) let loop: GatewayLoop
    /// Keeps `loop` alive while this handler exists; never read.
    private let loopLifetime: GatewayLoop
    private(set) var context: ChannelHandlerContext?
    var client: ClientHandler?
    private(set) var isClosed = false
    /// Requests this connection has carried (for keep-alive reuse statistics).
    var uses = 0
    /// Where the pool last kept this connection idle (its service and replica), for `GatewayLoop.forgetIdle`: the
    /// pool finds it there without hashing connections at every release and lease.
    var idlePlace: (service: ServiceID, replica: Int)?
    /// Bytes were written since the last flush: a flush of nothing still walks the pipeline and the socket's
    /// pending writes (~2,000 instructions in the profile), and both the request's send and the client's
    /// read-complete ask for one.
    private var unflushed = false

    init(loop: GatewayLoop) {
        self.loop = loop
        self.loopLifetime = loop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let client {
            client.upstreamRead(buffer)
        } else {
            // Bytes from an idle replica connection are a protocol error: it cannot be reused.
            close()
        }
    }

    /// Not passed on: this is the connection's only handler, and the pipeline's tail discards the event (the walk
    /// there cost ~140 instructions per read, which NIO's default `channelReadComplete` made).
    func channelReadComplete(context: ChannelHandlerContext) {}

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if let client {
            self.client = nil
            client.upstreamClosed(self)
        } else {
            loop.forgetIdle(self)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client?.upstreamWritabilityChanged(writable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ buffer: ByteBuffer) {
        guard let context else { return }
        unflushed = true
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Writes and flushes at once: one call through the pipeline instead of two (~130 instructions fewer).
    func writeAndFlush(_ buffer: ByteBuffer) {
        guard let context else { return }
        unflushed = false
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Flushes what `write` queued, if anything: one flush per message, not one per caller.
    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    /// Whether the channel reads (autoRead); changed only on backpressure.
    private var reading = true

    func setReading(_ reading: Bool) {
        guard let context, !isClosed, reading != self.reading else { return }
        self.reading = reading
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: reading)
    }

    func close() {
        guard !isClosed, let context else { return }
        isClosed = true
        if client == nil { loop.forgetIdle(self) }
        context.close(promise: nil)
    }
}
