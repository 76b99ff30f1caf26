import NIOCore
import NIOHTTP2

/// Passes NIO's stream events on to `NIOHTTP2ServerConnectionManagementHandler` only for streams it was told were
/// created. Without a stream multiplexer, `NIOHTTP2Handler` reports a stream whose first HEADERS it refused (a
/// malformed header block: a stream error, then RST_STREAM) as closed without having reported it created, and the
/// management handler asserts that every closed stream was open (a debug build stops there; the http2 fuzz target
/// found it with a 58-byte input). Window updates go straight to the connection's `ClientFrameHandler`, the only
/// handler that reads them: through the pipeline each went by the management handler (three failed casts) and two
/// more hops. Frames and every other event pass unchanged.
final class StreamEventGate: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame

    private var open = Set<HTTP2StreamKey>()
    /// Takes the window updates (set once the connection's handlers are added).
    var frames: ClientFrameHandler?

    func handlerRemoved(context: ChannelHandlerContext) {
        frames = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Told apart by their type first: a failed `as` cast of an `Any` costs the runtime's whole search, and
        // NIO fires several events per stream (created, window updates, closed) through each handler.
        let type = Swift.type(of: event)
        if type == NIOHTTP2WindowUpdatedEvent.self, let frames, let updated = event as? NIOHTTP2WindowUpdatedEvent {
            return frames.windowUpdated(updated)
        } else if type == NIOHTTP2StreamCreatedEvent.self, let created = event as? NIOHTTP2StreamCreatedEvent {
            open.insert(HTTP2StreamKey(created.streamID))
        } else if type == StreamClosedEvent.self, let closed = event as? StreamClosedEvent {
            // A stream never announced: nobody after this handler knows it (its HEADERS never got through).
            guard open.remove(HTTP2StreamKey(closed.streamID)) != nil else { return }
        }
        context.fireUserInboundEventTriggered(event)
    }
}
