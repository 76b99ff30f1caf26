import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The gRPC side of one server connection, behind a bare `NIOHTTP2Handler` (no stream multiplexer, no channel per
/// stream): it reads every stream's frames, hands each call to the transport with its inbox, and writes the calls'
/// responses; a response's frames are flushed once, after the task that wrote them yields the loop.
///
/// Without the multiplexer, the inbound flow-control windows are this handler's to open: the connection's window is
/// raised to `window` at once and topped up when less than half is left; a stream's when its request goes on past half.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    struct Limits {
        var maxMessageBytes: Int
        /// The flow-control window of the connection and of each stream (SETTINGS_INITIAL_WINDOW_SIZE).
        var window: Int
    }

    private let limits: Limits
    private let accept: (ServerCall, _ peers: Peers) -> Void
    private let closed: () -> Void
    private var context: ChannelHandlerContext?
    private var calls: [HTTP2StreamID: Stream] = [:]
    private var peers = Peers(remote: "unknown", local: "unknown")
    private var flushScheduled = false
    private var started = false
    private var unflushed = false
    private var goingAway = false
    private var lastStreamID = HTTP2StreamID(0)

    struct Peers {
        var remote: String
        var local: String
    }

    private struct Stream {
        let call: ServerCall
        var deframer: GRPCMessageDeframer
        var response = ServerResponseState()
        var requestEnded = false
        var streamCredit = 0
    }

    init(limits: Limits, accept: @escaping (ServerCall, Peers) -> Void, closed: @escaping () -> Void) {
        self.limits = limits
        self.accept = accept
        self.closed = closed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    /// Once, whichever comes first: the handler added to an active channel, or the channel becoming active.
    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        peers = Peers(
            remote: Self.describe(context.channel.remoteAddress),
            local: Self.describe(context.channel.localAddress))
        let raise = limits.window - 65_535
        if raise > 0 {
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: raise))),
                promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = calls
        calls.removeAll()
        for stream in open.values {
            stream.call.cancel(RPCError(code: .unavailable, message: "the connection closed"))
        }
        self.context = nil
        closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A protocol error the HTTP/2 handler already answered (GOAWAY): nothing of this connection can go on.
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            if calls[frame.streamID] != nil {
                // Trailers from the client: they end its side; gRPC gives them no meaning.
                endRequest(frame.streamID)
            } else {
                open(frame.streamID, headers.headers, endStream: headers.endStream)
            }
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { return }
            let length = bytes.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0)
            receive(frame.streamID, bytes, length: length, endStream: data.endStream)
        case .rstStream:
            if let stream = calls.removeValue(forKey: frame.streamID) {
                stream.call.cancel(RPCError(code: .cancelled, message: "the client cancelled the call"))
            }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let update = event as? NIOHTTP2WindowUpdatedEvent, update.streamID == .rootStream,
            let size = update.inboundWindowSize, size <= limits.window / 2
        {
            // The connection's window counts every DATA byte the peer sent, those of streams already closed too
            // (which the HTTP/2 handler drops without passing them on): it is topped up from what the handler
            // says is left, as the stream multiplexer this handler replaces did.
            write(
                HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: limits.window - size)))
        }
        if let closedStream = event as? StreamClosedEvent, let stream = calls.removeValue(forKey: closedStream.streamID)
        {
            stream.call.cancel(RPCError(code: .cancelled, message: "the stream closed"))
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Requests

    private func open(_ id: HTTP2StreamID, _ fields: HPACKHeaders, endStream: Bool) {
        if id > lastStreamID { lastStreamID = id }
        guard !goingAway else {
            write(HTTP2Frame(streamID: id, payload: .rstStream(.refusedStream)))
            return
        }
        switch GRPCFields.method(ofRequest: fields) {
        case .failure(let refusal):
            let answer = HTTP2Frame(
                streamID: id, payload: .headers(.init(headers: GRPCFields.refusal(refusal), endStream: true)))
            if endStream { write(answer) } else { writeThenStop(answer) }
        case .success(let descriptor):
            guard let loop = context?.eventLoop else { return }
            let call = ServerCall(
                streamID: id, descriptor: descriptor, inboxLimit: limits.maxMessageBytes,
                connection: NIOLoopBound(self, eventLoop: loop))
            calls[id] = Stream(call: call, deframer: GRPCMessageDeframer(maxMessageBytes: limits.maxMessageBytes))
            call.inbox.push(.metadata(GRPCFields.metadata(fields)))
            if endStream { endRequest(id) }
            accept(call, peers)
        }
    }

    private func receive(_ id: HTTP2StreamID, _ bytes: ByteBuffer, length: Int, endStream: Bool) {
        // Taken out while it changes (and put back on every path below): a copy left in the dictionary would make
        // each append copy the partial message's bytes.
        guard var stream = calls.removeValue(forKey: id) else { return }
        guard !stream.requestEnded else {
            calls[id] = stream
            return
        }
        stream.deframer.append(bytes)
        do throws(GRPCMessageDeframer.Failure) {
            while let message = try stream.deframer.next() {
                guard stream.call.inbox.push(.message(GRPCBuffer(message)), bytes: message.readableBytes) else {
                    calls[id] = stream
                    fail(id, Status(code: .resourceExhausted, message: "the call's unread messages passed the limit"))
                    return
                }
            }
        } catch {
            calls[id] = stream
            fail(id, error.status)
            return
        }
        if !endStream {
            stream.streamCredit += length
            if stream.streamCredit >= limits.window / 2 {
                write(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: stream.streamCredit)))
                stream.streamCredit = 0
            }
        }
        calls[id] = stream
        if endStream { endRequest(id) }
    }

    private func endRequest(_ id: HTTP2StreamID) {
        guard var stream = calls[id], !stream.requestEnded else { return }
        stream.requestEnded = true
        if stream.deframer.holdsPartialMessage {
            calls[id] = stream
            fail(id, Status(code: .internalError, message: "the request ended inside a message"))
            return
        }
        stream.call.inbox.finish()
        if stream.response.isClosed {
            calls[id] = nil
        } else {
            calls[id] = stream
        }
    }

    /// Ends a call from this side: its status to the client, the stream reset if the client is still sending, the
    /// handler cancelled.
    private func fail(_ id: HTTP2StreamID, _ status: Status) {
        guard let stream = calls[id] else { return }
        write(.status(status, [:]), for: stream.call)
        stream.call.cancel(RPCError(code: RPCError.Code(status.code) ?? .internalError, message: status.message))
        calls[id] = nil
    }

    // MARK: Responses

    /// A part of `call`'s response (on the loop).
    func write(_ part: RPCResponsePart<GRPCBuffer>, for call: ServerCall) {
        let id = call.streamID
        guard var stream = calls[id], stream.call === call else { return }
        let output: ServerResponseState.Output
        var message: ByteBuffer?
        switch part {
        case .metadata(let metadata): output = stream.response.metadata(metadata)
        case .message(let bytes):
            output = stream.response.message()
            message = bytes.buffer
        case .status(let status, let metadata): output = stream.response.status(status, metadata)
        }
        if let head = output.head {
            write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: head))))
        }
        if output.message, let message, let allocator = context?.channel.allocator {
            let framed = GRPCMessageFramer.frame(message, allocator: allocator)
            write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(framed)))))
        }
        if let trailers = output.trailers {
            let last = HTTP2Frame(streamID: id, payload: .headers(.init(headers: trailers, endStream: true)))
            if stream.requestEnded {
                write(last)
            } else {
                writeThenStop(last)
                stream.call.inbox.fail(RPCError(code: .cancelled, message: "the call was answered"))
                calls[id] = nil
                maybeClose()
                return
            }
        }
        if stream.response.isClosed && stream.requestEnded {
            calls[id] = nil
            maybeClose()
        } else {
            calls[id] = stream
        }
    }

    /// Writes a stream's last frame, then, once it has left, RST_STREAM `NO_ERROR`: the answer is complete and the
    /// client, still sending, may stop (RFC 9113 §8.1). Not at once: the HTTP/2 handler drops a stream's frames that
    /// still wait for flow-control window when the stream is reset, and the answer's DATA and trailers may be those.
    private func writeThenStop(_ frame: HTTP2Frame) {
        guard let context else { return }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(frame), promise: written)
        unflushed = true
        scheduleFlush()
        let id = frame.streamID
        written.futureResult.assumeIsolated().whenSuccess { [self] in
            // The client may have ended the stream meanwhile: then the reset is refused, which changes nothing.
            write(HTTP2Frame(streamID: id, payload: .rstStream(.noError)))
        }
    }

    private func write(_ frame: HTTP2Frame) {
        guard let context else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed = true
        scheduleFlush()
    }

    /// One flush for all the frames written until the writer yields the loop (a response's head, message and
    /// trailers, or a batch of calls answered in one read).
    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushScheduled = false
            if unflushed, let context = self.context {
                unflushed = false
                context.flush()
            }
        }
    }

    // MARK: Graceful shutdown

    /// No new calls: GOAWAY now, the connection closed once the calls in flight are answered.
    func goAway() {
        guard !goingAway, let context else { return }
        goingAway = true
        write(
            HTTP2Frame(
                streamID: .rootStream,
                payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil)))
        _ = context
        maybeClose()
    }

    private func maybeClose() {
        guard goingAway, calls.isEmpty, let context else { return }
        context.eventLoop.assumeIsolated().execute { [self] in
            self.context?.flush()
            self.context?.close(promise: nil)
        }
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v4(let ip): return "ipv4:\(ip.host):\(address.port ?? 0)"
        case .v6(let ip): return "ipv6:[\(ip.host)]:\(address.port ?? 0)"
        case .unixDomainSocket: return "unix:\(address.pathname ?? "")"
        }
    }
}

extension ServerConnectionHandler {
    /// The transport stops at once (its task was cancelled).
    func closeNow() {
        context?.close(promise: nil)
    }
}
