import NIOCore
import NIOHTTP2

/// The calls' side of one multiplexed replica connection, frame by frame: `NIOHTTP2Handler` runs without a stream
/// multiplexer, and this handler dispatches the replica's frames to each call's `HTTP2UpstreamStream` by stream id,
/// writes the calls' frames with their ids, and keeps the receiving windows (stream and connection) that NIO's stream
/// channels would otherwise keep. One stream channel (pipeline, promises, allocations) less per call.
final class UpstreamFrameHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// Strong: the pool may forget the connection before its channel is gone; the cycle ends with the pipeline.
    let connection: HTTP2UpstreamConnection
    let eventLoop: any EventLoop
    /// The receiving window of each stream: the most a call buffers of a response its client reads slowly.
    let streamWindow: Int
    private var context: ChannelHandlerContext?
    private var table: HTTP2StreamTable<HTTP2UpstreamStream>
    private var connectionWindow: HTTP2InboundWindow
    /// Streams read from in the current read batch (told when the batch ends, to flush towards their clients).
    private var readBatch: [HTTP2UpstreamStream] = []
    private var needsFlush = false
    private var flushScheduled = false

    init(connection: HTTP2UpstreamConnection, eventLoop: any EventLoop, settings: HTTP2GatewaySettings) {
        self.connection = connection
        self.eventLoop = eventLoop
        self.streamWindow = settings.streamWindow
        self.table = HTTP2StreamTable(streamWindow: settings.streamWindow)
        self.connectionWindow = HTTP2InboundWindow(target: settings.connectionWindow)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // NIOHTTP2Handler, before this handler, has written the connection preface.
        connection.connected(context.channel, self)
        context.fireChannelActive()
    }

    /// Whether no new stream fits (ids spent).
    var isExhausted: Bool { table.isExhausted }

    // MARK: From the calls' streams

    /// The next stream id for `stream`, which writes its HEADERS at once; nil when the ids are spent.
    func open(_ stream: HTTP2UpstreamStream, reading: Bool) -> HTTP2StreamID? {
        guard context != nil else { return nil }
        return table.open(stream, reading: reading)
    }

    /// NIOHTTP2's leg: the call's frame as NIOHTTP2's (`CallFrame.payload`).
    func write(_ id: HTTP2StreamID, _ payload: CallFrame, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload.payload)), promise: promise)
    }

    /// Flushes once for every call that wrote in this turn of the event loop (a client connection's read batch
    /// starts many calls on one replica connection: one write to the socket, not one per call).
    func flush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [self] in
            flushScheduled = false
            needsFlush = false
            context?.flush()
        }
    }

    /// The call gave the stream up: RST_STREAM(CANCEL), and the stream is forgotten.
    func reset(_ id: HTTP2StreamID) {
        _ = table.close(id, reason: .cancel)
        write(id, .rstStream(.cancel), promise: nil)
        flush()
    }

    func setReading(_ id: HTTP2StreamID, _ on: Bool) {
        guard let increment = table.setReading(id, on) else { return }
        write(id, .windowUpdate(windowSizeIncrement: increment), promise: nil)
        flush()
    }

    // MARK: From the replica

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.streamID == .rootStream {
            if case .goAway(let lastStreamID, _, _) = frame.payload {
                table.goAway(lastStreamID: lastStreamID)
                connection.receivedGoAway()
            }
            return
        }
        guard let stream = table.leg(frame.streamID), let payload = CallFrame(frame.payload) else { return }
        switch payload {
        case .headers(let headers) where headers.endStream: table.inboundEnded(frame.streamID)
        case .data(let data) where data.endStream: table.inboundEnded(frame.streamID)
        default: break
        }
        if !stream.inReadBatch {
            stream.inReadBatch = true
            readBatch.append(stream)
        }
        stream.read(payload)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let batch = readBatch
        readBatch.removeAll(keepingCapacity: true)
        for stream in batch {
            stream.inReadBatch = false
            stream.readComplete()
        }
        if needsFlush { flush() }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Told apart by their type first (`StreamEventGate` says why): no failed cast per event.
        let type = Swift.type(of: event)
        if type == NIOHTTP2WindowUpdatedEvent.self, let event = event as? NIOHTTP2WindowUpdatedEvent {
            if let increment = table.windowUpdated(event, connection: &connectionWindow) {
                write(event.streamID, .windowUpdate(windowSizeIncrement: increment), promise: nil)
                needsFlush = true
            }
        } else if type == StreamClosedEvent.self, let event = event as? StreamClosedEvent {
            guard let closed = table.close(event.streamID, reason: event.reason) else { return }
            closed.leg.closed(reason: closed.reason, detail: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOHTTP2Errors.StreamError {
            // The stream's close event follows; the detail tells the access log why.
            table.leg(error.streamID)?.closeDetail = "\(error.baseError)"
            return
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The pool forgets the connection first: a call retried from here must not pick it again.
        connection.channelClosed()
        // A batch cut short by the close: its streams hold this handler (a cycle until cleared), and still get their
        // read's end after the streams are closed (`ReplicaCodecHandler.channelInactive` says why).
        let batch = readBatch
        readBatch.removeAll()
        for stream in table.removeAll() {
            stream.closed(reason: nil, detail: "the connection to the replica closed")
        }
        for stream in batch {
            stream.inReadBatch = false
            stream.readComplete()
        }
        context.fireChannelInactive()
    }
}
