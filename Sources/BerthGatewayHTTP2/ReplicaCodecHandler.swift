import NIOCore
import NIOHPACK
import NIOHTTP2

/// A multiplexed replica connection driven by the gateway's own codec instead of `NIOHTTP2Handler` (bytes in and
/// out, no per-stream state machine, no user events): the replica is a process the gateway supervises and the
/// gateway chooses the connection's settings, so the leg keeps only what the protocol needs. `HTTP2StreamTable`
/// keeps the calls' streams and when to top their receiving windows up, `ReplicaFlowWindows` the windows both ways,
/// this handler the streams' send side: HEADERS of streams above the replica's SETTINGS_MAX_CONCURRENT_STREAMS wait
/// (in id order) for a slot, DATA past the replica's window waits for its WINDOW_UPDATE. A replica's protocol error
/// closes the connection with GOAWAY (its streams fail as on a lost connection); a stream's error resets it.
final class ReplicaCodecHandler: ChannelInboundHandler, UpstreamFrames {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Strong: the pool may forget the connection before its channel is gone; the cycle ends with the pipeline.
    let connection: HTTP2UpstreamConnection
    let eventLoop: any EventLoop
    let streamWindow: Int
    let settings: HTTP2GatewaySettings
    var context: ChannelHandlerContext?
    var table: HTTP2StreamTable<HTTP2UpstreamStream>
    var connectionWindow: HTTP2InboundWindow
    var windows: ReplicaFlowWindows
    var decoder: ReplicaFrameDecoder
    var encoder: ReplicaFrameEncoder
    /// Bytes of a frame not read whole yet.
    var unread: ByteBuffer?
    /// Frames encoded in this turn, written at the flush, and the promises of the DATA among them.
    var outbound: ByteBuffer
    var outboundPromises: [EventLoopPromise<Void>] = []
    var sends = HTTP2StreamMap<Send>()
    /// Streams whose HEADERS wait for a slot under the replica's SETTINGS_MAX_CONCURRENT_STREAMS, in id order.
    var waitingToStart: [HTTP2StreamID] = []
    var maxConcurrentStreams = Int.max
    var started = 0
    var readBatch: [HTTP2UpstreamStream] = []
    var needsFlush = false
    var flushScheduled = false
    var failed = false
    /// The replica sent GOAWAY: no stream starts any more.
    var goneAway = false

    /// A stream's send side: frames that wait (for its start, or for the window: order is kept behind them).
    struct Send {
        var started = false
        var queue: [(payload: CallFrame, promise: EventLoopPromise<Void>?)] = []
        var sentEnd = false
        var receivedEnd = false
    }

    init(connection: HTTP2UpstreamConnection, eventLoop: any EventLoop, settings: HTTP2GatewaySettings) {
        self.connection = connection
        self.eventLoop = eventLoop
        self.settings = settings
        self.streamWindow = settings.streamWindow
        self.table = HTTP2StreamTable(streamWindow: settings.streamWindow)
        self.connectionWindow = HTTP2InboundWindow(target: settings.connectionWindow)
        self.windows = ReplicaFlowWindows(receiveInitial: settings.streamWindow)
        self.decoder = ReplicaFrameDecoder(
            maxHeaderListSize: settings.replicaMaxHeaderListSize, headerTableSize: 4096,
            maxContinuationFrames: settings.maxContinuationFrames, ownHPACK: settings.ownHPACKDecoder)
        self.encoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        self.outbound = ByteBuffer()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        outbound = context.channel.allocator.buffer(capacity: 4096)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        ReplicaFrameEncoder.writePreface(settings: settings.replicaSettings, into: &outbound)
        // The connection's window starts at 65,535 whatever the settings: raised to its target at once.
        if let increment = connectionWindow.changed(to: windows.receiveConnection) {
            sendWindowUpdate(.rootStream, increment)
        }
        writeOutbound()
        context.flush()
        connection.connected(context.channel, self)
        context.fireChannelActive()
    }

    var isExhausted: Bool { table.isExhausted }

    // MARK: From the calls' streams

    func open(_ stream: HTTP2UpstreamStream, reading: Bool) -> HTTP2StreamID? {
        guard context != nil, !failed, !goneAway, let id = table.open(stream, reading: reading) else { return nil }
        var send = Send()
        if started < maxConcurrentStreams, waitingToStart.isEmpty {
            send.started = true
            started += 1
            windows.open(id)
        } else {
            waitingToStart.append(id)
        }
        sends[HTTP2StreamKey(id)] = send
        return id
    }

    func write(_ id: HTTP2StreamID, _ payload: CallFrame, promise: EventLoopPromise<Void>?) {
        let key = HTTP2StreamKey(id)
        guard context != nil, !failed, var send = sends[key] else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if send.started, send.queue.isEmpty, emit(id, payload, promise, &send) {
            sends[key] = send
            closeIfDone(id)
            return
        }
        send.queue.append((payload, promise))
        sends[key] = send
        // A started stream's frames queue only behind DATA that waits for window.
        if send.started { windows.setWaiting(id, true) }
    }

    func flush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [self] in
            flushScheduled = false
            needsFlush = false
            guard let context else { return }
            writeOutbound()
            context.flush()
        }
    }

    func reset(_ id: HTTP2StreamID) {
        _ = table.close(id, reason: .cancel)
        guard let send = forget(id) else { return }
        // A stream that never started sent nothing: nothing to reset.
        if send.started {
            ReplicaFrameEncoder.writeRstStream(id, .cancel, into: &outbound)
            flush()
        }
    }

    func setReading(_ id: HTTP2StreamID, _ on: Bool) {
        guard let increment = table.setReading(id, on) else { return }
        sendWindowUpdate(id, increment)
        flush()
    }

    // MARK: From the replica

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !failed else { return }
        if var pending = unread {
            unread = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        do {
            while let frame = try decoder.next(from: &buffer) {
                try handle(frame)
                if failed { return }
            }
        } catch {
            fail(error)
            return
        }
        if buffer.readableBytes > 0 { unread = buffer }
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The pool forgets the connection first: a call retried from here must not pick it again.
        connection.channelClosed()
        // A batch cut short by the close (a replica that ends a response and breaks the protocol or closes in the
        // same read) still gets its end, after the streams are closed: a stream that ended in it is detached from its
        // call only there, and cleared without it the call and the stream held each other (and the call its client
        // connection) forever. Found by the http2 fuzz target's replica mode, under LeakSanitizer.
        let batch = readBatch
        readBatch.removeAll()
        for (_, send) in sends {
            for entry in send.queue { entry.promise?.fail(ChannelError.ioOnClosedChannel) }
        }
        sends.removeAll()
        waitingToStart = []
        for promise in outboundPromises { promise.fail(ChannelError.ioOnClosedChannel) }
        outboundPromises = []
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
