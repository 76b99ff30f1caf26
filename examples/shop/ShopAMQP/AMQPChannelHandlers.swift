import NIOCore

/// Cuts the byte stream into AMQP frames (see `AMQPFrame.read`).
final class AMQPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = AMQPFrame
    let maxSize: Int

    init(maxSize: Int) {
        self.maxSize = maxSize
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try AMQPFrame.read(from: &buffer, maxSize: maxSize) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// Keeps the connection alive and notices a dead broker, on the event loop so that it works while the publisher
/// waits for rows to publish: after half the negotiated heartbeat without a write it sends a heartbeat frame;
/// after two heartbeats without a byte from the broker it closes the connection (the publisher then reconnects).
/// Sits in front of an `IdleStateHandler`, both before the frame decoder.
final class AMQPHeartbeatHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch idle {
        case .write:
            var buffer = context.channel.allocator.buffer(capacity: 8)
            AMQPFrame(kind: .heartbeat, channel: 0, payload: ByteBuffer()).write(into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .read:
            context.close(promise: nil)
        case .all:
            break
        }
    }
}

/// Drops the broker's heartbeat frames before they reach the publisher's frame stream: while the relay has nothing
/// to publish it reads no frames, and heartbeats queued there would fill the stream's buffer, stop reads and make
/// the idle check drop a healthy connection. (`AMQPHeartbeatHandler` has already seen the bytes arrive.)
final class AMQPHeartbeatFilter: ChannelInboundHandler {
    typealias InboundIn = AMQPFrame
    typealias InboundOut = AMQPFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard unwrapInboundIn(data).kind != .heartbeat else { return }
        context.fireChannelRead(data)
    }
}
