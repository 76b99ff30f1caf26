import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The gRPC side of one server connection, behind a bare `NIOHTTP2Handler` (no stream multiplexer, no channel per
/// stream): it reads every stream's frames, hands each call to the transport with its inbox, and writes the calls'
/// responses; a response's frames are flushed once, after the task that wrote them yields the loop. The connection's
/// window and the flushes are `ConnectionFrames`'; a stream's window is opened here, when its request goes on past
/// half of it.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    struct Limits {
        var maxMessageBytes: Int
        /// The flow-control window of the connection and of each stream (SETTINGS_INITIAL_WINDOW_SIZE).
        var window: Int
    }

    private let limits: Limits
    /// Hands a new call to the transport, with the connection's remote and local peer.
    private let accept: (ServerCall, String, String) -> Void
    private let closed: () -> Void
    private let frames: ConnectionFrames
    private var calls: [HTTP2StreamID: Stream] = [:]
    private var goingAway = false
    private var lastStreamID = HTTP2StreamID(0)

    private struct Stream {
        let call: ServerCall
        var inbound: StreamInbound
        var response = ServerResponseState()
        var requestEnded = false
    }

    init(limits: Limits, accept: @escaping (ServerCall, String, String) -> Void, closed: @escaping () -> Void) {
        self.limits = limits
        self.accept = accept
        self.closed = closed
        frames = ConnectionFrames(window: limits.window)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        frames.handlerAdded(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        frames.channelActive(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = calls
        calls.removeAll()
        for stream in open.values {
            stream.call.cancel(RPCError(code: .unavailable, message: "the connection closed"))
        }
        frames.channelInactive()
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
        frames.flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        frames.observe(event)
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
            guard let loop = frames.context?.eventLoop else { return }
            let call = ServerCall(
                streamID: id, descriptor: descriptor, inboxLimit: limits.maxMessageBytes,
                connection: NIOLoopBound(self, eventLoop: loop))
            calls[id] = Stream(
                call: call, inbound: StreamInbound(maxMessageBytes: limits.maxMessageBytes, window: limits.window))
            let request = GRPCFields.requestMetadata(fields)
            call.inbox.push(.metadata(request.metadata))
            if let timeout = request.timeout { call.expire(after: timeout, on: loop) }
            if endStream { endRequest(id) }
            accept(call, frames.remotePeer, frames.localPeer)
        }
    }

    private func receive(_ id: HTTP2StreamID, _ bytes: ByteBuffer, length: Int, endStream: Bool) {
        // Taken out while it changes: a copy left in the dictionary would make each append copy the partial
        // message's bytes.
        guard var stream = calls.removeValue(forKey: id) else { return }
        guard !stream.requestEnded else {
            calls[id] = stream
            return
        }
        let outcome = stream.inbound.take(
            bytes, length: length, endStream: endStream, into: stream.call.inbox, as: RPCRequestPart.message)
        calls[id] = stream
        switch outcome {
        case .failed(let status):
            fail(id, status)
            return
        case .taken(let increment):
            if let increment { write(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: increment))) }
        }
        if endStream { endRequest(id) }
    }

    private func endRequest(_ id: HTTP2StreamID) {
        guard var stream = calls[id], !stream.requestEnded else { return }
        stream.requestEnded = true
        if stream.inbound.deframer.holdsPartialMessage {
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
        if output.message, let message, let allocator = frames.context?.channel.allocator {
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
        guard let loop = frames.context?.eventLoop else { return }
        let written = loop.makePromise(of: Void.self)
        frames.write(frame, promise: written)
        let id = frame.streamID
        written.futureResult.assumeIsolated().whenSuccess { [self] in
            // The client may have ended the stream meanwhile: then the reset is refused, which changes nothing.
            write(HTTP2Frame(streamID: id, payload: .rstStream(.noError)))
        }
    }

    private func write(_ frame: HTTP2Frame) {
        frames.write(frame)
    }

    // MARK: Graceful shutdown

    /// No new calls: GOAWAY now, the connection closed once the calls in flight are answered.
    func goAway() {
        guard !goingAway, frames.context != nil else { return }
        goingAway = true
        write(
            HTTP2Frame(
                streamID: .rootStream,
                payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil)))
        maybeClose()
    }

    private func maybeClose() {
        guard goingAway, calls.isEmpty else { return }
        frames.closeSoon(unless: { [self] in !calls.isEmpty })
    }
}

extension ServerConnectionHandler {
    /// The transport stops at once (its task was cancelled).
    func closeNow() {
        frames.closeNow()
    }
}
