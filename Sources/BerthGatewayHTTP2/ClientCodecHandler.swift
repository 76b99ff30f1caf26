import NIOCore
import NIOHPACK
import NIOHTTP2

/// A client's HTTP/2 connection on the gateway's own codec, in place of `NIOHTTP2Handler`, `StreamEventGate` and
/// NIO's connection-management handler (`HTTP2GatewaySettings.clientCodec`): bytes in, `HTTP2Frame`s and the same
/// stream events out to `ClientFrameHandler`, its frames back to bytes. What each frame means is decided by
/// `ClientConnectionState` (the protocol's rules and the defences); this handler decodes (`ReplicaFrameDecoder`, the
/// client's header blocks bounded as NIOHTTP2 bounded them), encodes (`ReplicaFrameEncoder`: HPACK from the static
/// table without Huffman or dynamic table, so no decoder's state can drift), holds the DATA the client's windows do
/// not take yet, writes one buffer per flush, and keeps the idle and grace timers.
final class ClientCodecHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = ByteBuffer

    let settings: HTTP2GatewaySettings
    var state: ClientConnectionState
    var decoder: ReplicaFrameDecoder
    var encoder: ReplicaFrameEncoder
    var context: ChannelHandlerContext?
    /// The preface's bytes still to check (the protocol detector has seen them, but they are read here).
    var prefaceLeft = HTTP2Preface.bytes.count
    var unread: ByteBuffer?
    /// Frames encoded since the last flush, and the promises of the writes among them.
    var outbound = ByteBuffer()
    var outboundPromises: [EventLoopPromise<Void>] = []
    /// Each stream's frames that wait for the client's window (DATA, and whatever the call wrote after it).
    var queues: [HTTP2StreamKey: [(payload: CallFrame, promise: EventLoopPromise<Void>?)]] = [:]
    var idleTimer: Scheduled<Void>?
    var graceTimer: Scheduled<Void>?
    var headerBlockTimer: Scheduled<Void>?
    /// A connection error's GOAWAY went out: the connection closes, nothing more is read or written.
    var failed = false
    var flushScheduled = false
    /// The calls' handler after this one (`HTTP2Gateway.configureOwnCodec`), called directly rather than through the
    /// pipeline: frames and stream events in, its frames out, on the same event loop. Each pipeline hop wrapped the
    /// frame in `NIOAny`, whose unwrapping is a dynamic cast, and an event's dispatch by type (~2.5k instructions per
    /// request in bench/h2-profile.sh). Without it (the codec's own tests) both go through the pipeline. Cleared
    /// when the handler is removed (each holds the other).
    var frames: ClientFrameHandler?

    init(settings: HTTP2GatewaySettings) {
        self.settings = settings
        self.state = ClientConnectionState(limits: .init(settings))
        self.decoder = ReplicaFrameDecoder(
            maxHeaderListSize: settings.maxHeaderListSize, headerTableSize: settings.headerTableSize,
            maxContinuationFrames: settings.maxContinuationFrames, reportsIgnoredFrames: true,
            ownHPACK: settings.ownHPACKDecoder)
        self.encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
    }

    /// The SETTINGS the gateway sends a client (those NIOHTTP2 sent on this leg).
    static func serverSettings(_ settings: HTTP2GatewaySettings) -> [ReplicaSetting] {
        [
            ReplicaSetting(
                identifier: ReplicaSetting.maxConcurrentStreams, value: UInt32(settings.maxConcurrentStreams)),
            ReplicaSetting(identifier: ReplicaSetting.maxHeaderListSize, value: UInt32(settings.maxHeaderListSize)),
            ReplicaSetting(identifier: ReplicaSetting.headerTableSize, value: UInt32(settings.headerTableSize)),
            ReplicaSetting(identifier: ReplicaSetting.initialWindowSize, value: UInt32(settings.streamWindow)),
            ReplicaSetting(identifier: ReplicaSetting.enablePush, value: 0),
        ]
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        outbound = context.channel.allocator.buffer(capacity: 4096)
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
        frames = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private var started = false

    /// The server's preface: its SETTINGS, and the connection's window raised to its target at once.
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        ReplicaFrameEncoder.writeSettings(Self.serverSettings(settings), into: &outbound)
        if let increment = state.connectionWindowUpdate() {
            ReplicaFrameEncoder.writeWindowUpdate(.rootStream, increment: increment, into: &outbound)
        }
        writeOutbound(context: context)
        context.flush()
        armIdleTimer()
    }

    // MARK: From the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !failed else { return }
        if var pending = unread {
            unread = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        guard readPreface(&buffer, context: context) else { return }
        reading: while true {
            do {
                // Moved, not copied, into the state (`ClientConnectionState.received` says why).
                let next = try decoder.next(from: &buffer)
                guard let frame = consume next else { break reading }
                if case .settings(let list) = frame { encoder.apply(list) }
                act(state.received(consume frame, at: .now()), context: context)
                if failed { return }
            } catch {
                act(state.decodingFailed(error), context: context)
                // A stream's error consumed its frame: the frames after it in this read are the connection's still.
                if failed || error.streamID == nil { return }
            }
        }
        if buffer.readableBytes > 0 { unread = buffer }
        timeHeaderBlock()
    }

    /// Checks and skips the preface; false while it is not whole yet (kept) or when it is wrong (the connection
    /// fails).
    private func readPreface(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard prefaceLeft > 0 else { return true }
        let offset = HTTP2Preface.bytes.count - prefaceLeft
        let length = min(prefaceLeft, buffer.readableBytes)
        guard let bytes = buffer.readBytes(length: length),
            bytes.elementsEqual(HTTP2Preface.bytes[offset..<offset + length])
        else {
            failed = true
            context.fireErrorCaught(NIOHTTP2Errors.badClientMagic())
            return false
        }
        prefaceLeft -= length
        return prefaceLeft == 0
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !failed, let increment = state.connectionWindowUpdate() {
            ReplicaFrameEncoder.writeWindowUpdate(.rootStream, increment: increment, into: &outbound)
        }
        context.fireChannelReadComplete()
        // What the read produced (acknowledgements, window updates, answers written during it) goes in one write.
        if outbound.readableBytes > 0 {
            writeOutbound(context: context)
            context.flush()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        goAway(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        for (_, queue) in queues {
            for entry in queue { entry.promise?.fail(ChannelError.ioOnClosedChannel) }
        }
        queues = [:]
        for promise in outboundPromises { promise.fail(ChannelError.ioOnClosedChannel) }
        outboundPromises = []
        context.fireChannelInactive()
    }

    /// Executes what the state said of a client's frame.
    private func act(_ inbound: ClientConnectionState.Inbound, context: ChannelHandlerContext) {
        switch inbound {
        case .none:
            break
        case .open(let id, let headers, let endStream):
            cancelIdleTimer()
            deliver(id, .headers(.init(headers: headers, endStream: endStream)), context: context)
        case .trailers(let id, let headers, let closesStream):
            deliver(id, .headers(.init(headers: headers, endStream: true)), context: context)
            if closesStream { closed(id, reason: nil, context: context) }
        case .data(let id, let payload, let endStream, let window, let closesStream):
            deliver(id, .data(.init(data: payload, endStream: endStream)), context: context)
            if closesStream {
                closed(id, reason: nil, context: context)
            } else if !endStream {
                // The call's table decides the stream's WINDOW_UPDATE (written back through this handler).
                let event = NIOHTTP2WindowUpdatedEvent(streamID: id, inboundWindowSize: window, outboundWindowSize: nil)
                if let frames { frames.windowUpdated(event) } else { context.fireUserInboundEventTriggered(event) }
            }
        case .clientReset(let id, let code):
            dropQueue(id)
            closed(id, reason: code, context: context)
        case .resetStream(let id, let code, let endsCall):
            ReplicaFrameEncoder.writeRstStream(id, code, into: &outbound)
            dropQueue(id)
            if endsCall { closed(id, reason: code, context: context) }
        case .acknowledgeSettings:
            ReplicaFrameEncoder.writeSettingsAck(into: &outbound)
            drainWaiting(context: context)
        case .acknowledgePing(let data):
            ReplicaFrameEncoder.writePingAck(data, into: &outbound)
        case .windowOpened(let id):
            if id == .rootStream { drainWaiting(context: context) } else { drain(id, context: context) }
        case .goAway(let last, let code, let detail):
            failed = true
            ReplicaFrameEncoder.writeGoAway(lastStreamID: last, code, into: &outbound)
            let written = context.eventLoop.makePromise(of: Void.self)
            outboundPromises.append(written)
            writeOutbound(context: context)
            context.flush()
            // The watcher after `ClientFrameHandler` logs why and closes the connection, once the GOAWAY is out.
            written.futureResult.whenComplete { [self] _ in
                self.context?.fireErrorCaught(ReplicaCodecError.connection(code, detail))
            }
        }
    }

    /// A client's frame to the calls' handler.
    /// To the calls' handler directly; through the pipeline as NIOHTTP2's frames otherwise (the codec's tests).
    private func deliver(_ id: HTTP2StreamID, _ payload: CallFrame, context: ChannelHandlerContext) {
        if let frames {
            frames.received(id, payload)
        } else {
            context.fireChannelRead(wrapInboundOut(HTTP2Frame(streamID: id, payload: payload.payload)))
        }
    }

    /// A stream closed (both sides ended, or a reset): the calls' handler is told as NIOHTTP2 told it.
    func closed(_ id: HTTP2StreamID, reason: HTTP2ErrorCode?, context: ChannelHandlerContext) {
        if let frames {
            frames.streamClosed(id, reason: reason)
        } else {
            context.fireUserInboundEventTriggered(StreamClosedEvent(streamID: id, reason: reason))
        }
        if state.openStreams == 0 {
            if state.isFinished { return closeGracefully(context: context) }
            armIdleTimer()
        }
    }

    // MARK: Timers

    /// No stream open for `idleTimeout`: GOAWAY, then close.
    func armIdleTimer() {
        guard idleTimer == nil, let context else { return }
        idleTimer = context.eventLoop.scheduleTask(in: settings.idleTimeout) { [self] in
            idleTimer = nil
            guard state.openStreams == 0, let context = self.context else { return }
            goAway(context: context)
        }
    }

    func cancelIdleTimer() {
        idleTimer?.cancel()
        idleTimer = nil
    }

    /// A header block gets `headerTimeout` from its HEADERS to its last CONTINUATION, however it trickles in: an
    /// unfinished one held the connection until `idleTimeout` (60 s), where an HTTP/1.1 head is cut at 10 s (audit8).
    private func timeHeaderBlock() {
        guard decoder.isInsideHeaderBlock else {
            headerBlockTimer?.cancel()
            headerBlockTimer = nil
            return
        }
        guard headerBlockTimer == nil, let context else { return }
        headerBlockTimer = context.eventLoop.scheduleTask(in: settings.headerTimeout) { [self] in
            headerBlockTimer = nil
            guard decoder.isInsideHeaderBlock, let context = self.context else { return }
            let seconds = settings.headerTimeout.nanoseconds / 1_000_000_000
            act(
                state.decodingFailed(.connection(.enhanceYourCalm, "a header block unfinished after \(seconds) s")),
                context: context)
        }
    }

    private func cancelTimers() {
        headerBlockTimer?.cancel()
        headerBlockTimer = nil
        cancelIdleTimer()
        graceTimer?.cancel()
        graceTimer = nil
    }

    /// GOAWAY NO_ERROR (the gateway drains, or the connection was idle): open streams finish, up to the grace time.
    func goAway(context: ChannelHandlerContext) {
        guard !failed, let last = state.goAway() else { return }
        ReplicaFrameEncoder.writeGoAway(lastStreamID: last, .noError, into: &outbound)
        writeOutbound(context: context)
        context.flush()
        if state.isFinished { return closeGracefully(context: context) }
        graceTimer = context.eventLoop.scheduleTask(in: settings.graceTime) { [self] in
            graceTimer = nil
            self.context?.close(promise: nil)
        }
    }

    /// Closes once what was written is out.
    private func closeGracefully(context: ChannelHandlerContext) {
        cancelTimers()
        writeOutbound(context: context)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { [self] _ in
            self.context?.close(promise: nil)
        }
    }
}
