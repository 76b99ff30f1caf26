import BerthGatewayCore
import Logging
import NIOCore
import NIOHTTP2

/// A client's HTTP/2 connection, frame by frame: `NIOHTTP2Handler` runs without a stream multiplexer, and this
/// handler starts one `HTTP2StreamProxy` per client stream (its first HEADERS), passes the stream's frames to it by
/// id, writes its response frames with the id, and keeps the receiving windows (stream and connection) that NIO's
/// stream channels would otherwise keep. No stream channel, pipeline or promise per call.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    let gateway: HTTP2Gateway
    let scheme: String
    let eventLoop: any EventLoop
    let allocator: ByteBufferAllocator
    /// The receiving window of each stream: the most a call buffers of a request its replica takes slowly.
    let streamWindow: Int
    private var clientAddress = "unknown"
    private var context: ChannelHandlerContext?
    private var table: HTTP2StreamTable<HTTP2ClientStream>
    private var connectionWindow: HTTP2InboundWindow
    /// Streams read from in the current read batch (told when the batch ends, to flush towards their replicas).
    private var readBatch: [HTTP2ClientStream] = []
    private var flushScheduled = false
    /// Header blocks are checked here (`HTTP2HeaderCheck`), NIOHTTP2's own check being off on this connection.
    let checkHeaders: Bool
    /// Malformed header blocks this connection sent, and how many it may (NIOHTTP2's glitch limit's default).
    private var malformedBlocks = 0
    let maxMalformedBlocks = 200
    /// The gateway's own codec before this handler, written to directly (`ClientCodecHandler.frames` says why);
    /// nil on NIOHTTP2's leg, where frames go through the pipeline. Cleared when the handler is removed.
    var codec: ClientCodecHandler?

    /// `checkHeaders` nil: `settings.ownHeaderCheck`; false when the connection's own codec checks every block already
    /// (`ClientConnectionState`).
    init(
        gateway: HTTP2Gateway, scheme: String, channel: any Channel, settings: HTTP2GatewaySettings,
        checkHeaders: Bool? = nil
    ) {
        self.gateway = gateway
        self.scheme = scheme
        self.eventLoop = channel.eventLoop
        self.allocator = channel.allocator
        self.streamWindow = settings.streamWindow
        self.table = HTTP2StreamTable(streamWindow: settings.streamWindow)
        self.connectionWindow = HTTP2InboundWindow(target: settings.connectionWindow)
        self.checkHeaders = checkHeaders ?? settings.ownHeaderCheck
    }

    /// The connection's socket's `Channel.kernelSendWhenBlocked` (for its calls' `send_timeout`).
    var kernelSend: SendProgressWatch.KernelSend? { context?.channel.kernelSendWhenBlocked }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress?.ipAddress { clientAddress = address }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        codec = nil
    }

    // MARK: From the calls

    func write(_ id: HTTP2StreamID, _ payload: CallFrame, promise: EventLoopPromise<Void>?) {
        if let codec { return codec.send(id, payload, promise) }
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload.payload)), promise: promise)
    }

    /// Flushes once for every call that wrote in this turn of the event loop (a replica's read batch answers many
    /// calls of one client connection: one write to the socket, not one per call).
    func flushSoon() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [self] in
            flushScheduled = false
            if let codec { codec.flushNow() } else { context?.flush() }
        }
    }

    func isOpen(_ id: HTTP2StreamID) -> Bool { table.leg(id) != nil }

    /// A replica's response block `HTTP2HeaderCheck` refused on its way to the client (the stream is reset).
    func refused(_ id: HTTP2StreamID, _ problem: String) {
        gateway.backend.logger.debug(
            "HTTP/2 response block refused", metadata: ["stream": "\(Int(id))", "reason": "\(problem)"])
    }

    func setReading(_ id: HTTP2StreamID, _ on: Bool) {
        guard let increment = table.setReading(id, on) else { return }
        write(id, .windowUpdate(windowSizeIncrement: increment), promise: nil)
        flushSoon()
    }

    // MARK: From the client

    /// A frame from NIOHTTP2's leg (`NIOHTTP2Handler`), its header blocks made the gateway's `HTTP2Fields`.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let payload = CallFrame(frame.payload) else { return }
        received(frame.streamID, payload, context: context)
    }

    /// A client's frame from the gateway's own codec, called directly (`ClientCodecHandler.frames`).
    func received(_ id: HTTP2StreamID, _ payload: CallFrame) {
        guard let context else { return }
        received(id, payload, context: context)
    }

    private func received(_ id: HTTP2StreamID, _ payload: CallFrame, context: ChannelHandlerContext) {
        // Past the malformed blocks' limit the connection only waits for its GOAWAY to be written.
        guard id != .rootStream, malformedBlocks <= maxMalformedBlocks else { return }
        let stream: HTTP2ClientStream
        if let known = table.leg(id) {
            stream = known
            if checkHeaders, case .headers(let trailers) = payload,
                let problem = HTTP2HeaderCheck.problem(trailers.headers, .trailers)
            {
                return malformed(id, problem, context: context)
            }
        } else {
            // NIO lets a frame for an unknown stream through only when it opens one (a client's HEADERS).
            guard case .headers(let request) = payload else { return }
            if checkHeaders, let problem = HTTP2HeaderCheck.problem(request.headers, .request) {
                return malformed(id, problem, context: context)
            }
            let proxy = HTTP2StreamProxy(gateway: gateway, scheme: scheme)
            proxy.clientAddress = clientAddress
            stream = HTTP2ClientStream(id: id, frames: self, proxy: proxy)
            proxy.client = stream
            table.insert(stream, id: id)
        }
        switch payload {
        case .headers(let headers) where headers.endStream: table.inboundEnded(id)
        case .data(let data) where data.endStream: table.inboundEnded(id)
        default: break
        }
        if !stream.inReadBatch {
            stream.inReadBatch = true
            readBatch.append(stream)
        }
        stream.proxy?.clientRead(payload)
    }

    /// A header block that decoded but is malformed (`HTTP2HeaderCheck`): that stream's error (RFC 9113 § 8.1.1),
    /// RST_STREAM PROTOCOL_ERROR as NIOHTTP2's own check answers (its close event then ends a call already
    /// running); the connection goes on with its other streams. Such errors count against the connection like
    /// NIOHTTP2's "glitches": above `maxMalformedBlocks` the connection is closed with GOAWAY ENHANCE_YOUR_CALM.
    private func malformed(_ id: HTTP2StreamID, _ problem: String, context: ChannelHandlerContext) {
        malformedBlocks += 1
        guard malformedBlocks <= maxMalformedBlocks else {
            guard malformedBlocks == maxMalformedBlocks + 1 else { return }
            let goAway = CallFrame.goAway(lastStreamID: id, errorCode: .enhanceYourCalm, opaqueData: nil)
            // NIOHTTP2 flushes what is written during a read when the read ends: the close waits for the GOAWAY.
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: goAway.payload)), promise: written)
            written.futureResult.whenComplete { [self] _ in
                // The watcher after this handler logs why and closes the connection.
                self.context?.fireErrorCaught(NIOHTTP2Errors.excessiveNumberOfGlitches())
            }
            return
        }
        write(id, .rstStream(.protocolError), promise: nil)
        flushSoon()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let batch = readBatch
        readBatch.removeAll(keepingCapacity: true)
        for stream in batch {
            stream.inReadBatch = false
            stream.proxy?.clientReadComplete()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Told apart by their type first (`StreamEventGate` says why): no failed cast per event.
        let type = Swift.type(of: event)
        if type == NIOHTTP2WindowUpdatedEvent.self, let event = event as? NIOHTTP2WindowUpdatedEvent {
            windowUpdated(event)
        } else if type == NIOHTTP2StreamCreatedEvent.self {
            // Read by the handlers before this one (`StreamEventGate`, the management handler); none after.
            return
        } else if type == StreamClosedEvent.self, let event = event as? StreamClosedEvent {
            streamClosed(event.streamID, reason: event.reason)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The stream closed (both sides ended, or a reset): its call, if still running, lost its client (a reset, or the
    /// connection's end) and gives up its replica.
    func streamClosed(_ id: HTTP2StreamID, reason: HTTP2ErrorCode?) {
        guard let closed = table.close(id, reason: reason) else { return }
        let proxy = closed.leg.proxy
        closed.leg.proxy = nil
        proxy?.clientWentAway()
    }

    /// A stream's or the connection's receiving window changed (`StreamEventGate` hands the event over directly).
    func windowUpdated(_ event: NIOHTTP2WindowUpdatedEvent) {
        if let increment = table.windowUpdated(event, connection: &connectionWindow) {
            write(event.streamID, .windowUpdate(windowSizeIncrement: increment), promise: nil)
            flushSoon()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOHTTP2Errors.StreamError {
            // The client broke the protocol on one stream (NIO resets it; its close event ends the call), or NIO
            // refused to send a response's block (an invalid one: the stream is reset from the next turn).
            let stream = table.leg(error.streamID)
            stream?.failed()
            stream?.proxy?.clientWentAway()
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A batch cut short by the close: its streams hold this handler (a cycle until cleared).
        readBatch.removeAll()
        for stream in table.removeAll() {
            let proxy = stream.proxy
            stream.proxy = nil
            proxy?.clientWentAway()
        }
        context.fireChannelInactive()
    }
}
