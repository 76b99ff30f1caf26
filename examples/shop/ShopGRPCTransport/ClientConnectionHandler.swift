import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The gRPC side of one client connection behind a bare `NIOHTTP2Handler` (no stream channels): it opens a
/// stream when a call's head is written, reads every stream's frames into the calls' inboxes, opens the inbound
/// flow-control windows itself (as `ServerConnectionHandler` does) and flushes once per turn of the loop. The HTTP/2
/// handler keeps the peer's limits: new streams beyond SETTINGS_MAX_CONCURRENT_STREAMS and DATA beyond the peer's
/// windows wait in its outbound buffer.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let window: Int
    private let authority: String
    /// Told once when no new call should use this connection (GOAWAY, closed).
    private let unusable: () -> Void
    private var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var nextStreamID = HTTP2StreamID(1)
    private var flushScheduled = false
    private var started = false
    private var unflushed = false
    private var closed = false
    private var peers = (remote: "unknown", local: "unknown")
    /// Calls holding their last message until the turn's flush (`ClientCall.heldMessage`).
    private var holding: [ClientCall] = []

    private struct Stream {
        let call: ClientCall
        var deframer: GRPCMessageDeframer
        var sawHead = false
        var streamCredit = 0
    }

    init(window: Int, authority: String, unusable: @escaping () -> Void) {
        self.window = window
        self.authority = authority
        self.unusable = unusable
    }

    var remotePeer: String { peers.remote }
    var localPeer: String { peers.local }
    var isUsable: Bool { !closed }

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
        peers = (Self.describe(context.channel.remoteAddress), Self.describe(context.channel.localAddress))
        let raise = window - 65_535
        if raise > 0 {
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: raise))),
                promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        markUnusable()
        let open = streams
        streams.removeAll()
        for stream in open.values { finish(stream.call, unavailable: "the connection to the gateway closed") }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Requests

    func send(_ part: RPCRequestPart<GRPCBuffer>, for call: ClientCall) {
        guard !call.done, !call.requestEnded else { return }
        switch part {
        case .metadata(let metadata):
            if call.streamID == nil {
                call.head = GRPCFields.requestHead(call.descriptor, authority: authority, metadata: metadata)
            }
        case .message(let bytes):
            guard let id = open(call, endStream: false), let allocator = context?.channel.allocator else { return }
            if let held = call.heldMessage {
                write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(held)))))
            } else {
                holding.append(call)
            }
            call.heldMessage = GRPCMessageFramer.frame(bytes.buffer, allocator: allocator)
            scheduleFlush()
        }
    }

    /// Messages still held at the end of the turn go out without END_STREAM (a streaming request goes on).
    private func releaseHeld() {
        let calls = holding
        holding = []
        for call in calls {
            guard let held = call.heldMessage, let id = call.streamID, !call.done else { continue }
            call.heldMessage = nil
            write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(held)))))
        }
    }

    func endRequest(_ call: ClientCall) {
        guard !call.done, !call.requestEnded else { return }
        if let id = call.streamID {
            call.requestEnded = true
            let last = call.heldMessage ?? ByteBuffer()
            call.heldMessage = nil
            write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(last), endStream: true))))
        } else {
            _ = open(call, endStream: true)
        }
    }

    /// The caller gave up (or was cancelled): the stream is reset and the call's reads end with `error`.
    func reset(_ call: ClientCall, _ error: RPCError) {
        guard !call.done else { return }
        call.done = true
        call.heldMessage = nil
        if let id = call.streamID {
            streams[id] = nil
            write(HTTP2Frame(streamID: id, payload: .rstStream(.cancel)))
        }
        call.inbox.fail(error)
    }

    /// The call's stream, opened with its head now if it was not yet.
    private func open(_ call: ClientCall, endStream: Bool) -> HTTP2StreamID? {
        if let id = call.streamID { return id }
        guard !closed, context != nil else {
            finish(call, unavailable: "the connection to the gateway closed")
            return nil
        }
        let id = nextStreamID
        nextStreamID = HTTP2StreamID(Int32(Int(id) + 2))
        call.streamID = id
        call.requestEnded = endStream
        streams[id] = Stream(call: call, deframer: GRPCMessageDeframer(maxMessageBytes: call.inbox.limit))
        let head =
            call.head ?? GRPCFields.requestHead(call.descriptor, authority: authority, metadata: [:])
        call.head = nil
        write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: head, endStream: endStream))))
        return id
    }

    // MARK: Responses

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            guard var stream = streams[frame.streamID] else { return }
            if !stream.sawHead {
                stream.sawHead = true
                switch GRPCFields.responseHead(headers.headers, endStream: headers.endStream) {
                case .head(let metadata):
                    streams[frame.streamID] = stream
                    stream.call.inbox.push(.metadata(metadata))
                    if headers.endStream { finish(stream.call, unavailable: "the response ended after its head") }
                case .final(let status, let metadata):
                    complete(frame.streamID, status, metadata)
                }
            } else {
                let metadata = GRPCFields.metadata(
                    headers.headers, skipping: { $0.hasPrefix(":") || $0 == "grpc-status" || $0 == "grpc-message" })
                complete(frame.streamID, GRPCFields.status(ofTrailers: headers.headers), metadata)
            }
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { return }
            let length = bytes.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0)
            receive(frame.streamID, bytes, length: length, endStream: data.endStream)
        case .rstStream(let code):
            if let stream = streams.removeValue(forKey: frame.streamID) {
                finish(stream.call, unavailable: "the gateway reset the call's stream (\(code))")
            }
        case .goAway(let lastStreamID, _, _):
            markUnusable()
            // Streams the peer never took may be tried again elsewhere: they fail as unavailable.
            for (id, stream) in streams where id > lastStreamID {
                streams[id] = nil
                finish(stream.call, unavailable: "the gateway is going away")
            }
            closeIfIdle()
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
            let size = update.inboundWindowSize, size <= window / 2
        {
            // The connection's window counts every DATA byte the peer sent, those of streams already closed too
            // (which the HTTP/2 handler drops without passing them on): it is topped up from what the handler
            // says is left, as the stream multiplexer this handler replaces did.
            write(
                HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: window - size)))
        }
        if let closedStream = event as? StreamClosedEvent,
            let stream = streams.removeValue(forKey: closedStream.streamID)
        {
            finish(stream.call, unavailable: "the call's stream closed before its status")
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func receive(_ id: HTTP2StreamID, _ bytes: ByteBuffer, length: Int, endStream: Bool) {
        // Taken out while it changes (and put back on every path below): a copy left in the dictionary would make
        // each append copy the partial message's bytes.
        guard var stream = streams.removeValue(forKey: id) else { return }
        guard stream.sawHead else {
            streams[id] = stream
            return
        }
        stream.deframer.append(bytes)
        do throws(GRPCMessageDeframer.Failure) {
            while let message = try stream.deframer.next() {
                guard stream.call.inbox.push(.message(GRPCBuffer(message)), bytes: message.readableBytes) else {
                    streams[id] = stream
                    fail(id, RPCError(code: .resourceExhausted, message: "the call's unread messages passed the limit"))
                    return
                }
            }
        } catch {
            streams[id] = stream
            fail(id, RPCError(code: RPCError.Code(error.status.code) ?? .internalError, message: error.status.message))
            return
        }
        if endStream {
            streams[id] = nil
            finish(stream.call, unavailable: "the response ended without a status")
            return
        }
        stream.streamCredit += length
        if stream.streamCredit >= window / 2 {
            write(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: stream.streamCredit)))
            stream.streamCredit = 0
        }
        streams[id] = stream
    }

    /// The status arrived: the call's reads end with it.
    private func complete(_ id: HTTP2StreamID, _ status: Status, _ metadata: Metadata) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        let call = stream.call
        call.done = true
        if stream.deframer.holdsPartialMessage {
            call.inbox.push(.status(Status(code: .internalError, message: "the response ended inside a message"), [:]))
        } else {
            call.inbox.push(.status(status, metadata))
        }
        call.inbox.finish()
        call.heldMessage = nil
        if !call.requestEnded {
            // The answer is complete while the request is still open: stop it (RFC 9113 §8.1).
            call.requestEnded = true
            write(HTTP2Frame(streamID: id, payload: .rstStream(.noError)))
        }
        closeIfIdle()
    }

    private func fail(_ id: HTTP2StreamID, _ error: RPCError) {
        guard let stream = streams[id] else { return }
        reset(stream.call, error)
    }

    /// The call ends as `unavailable` (nothing of its answer is known).
    private func finish(_ call: ClientCall, unavailable message: String) {
        guard !call.done else { return }
        call.done = true
        call.inbox.push(.status(Status(code: .unavailable, message: message), [:]))
        call.inbox.finish()
    }

    // MARK: Writes and the connection's end

    private func write(_ frame: HTTP2Frame) {
        guard let context else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed = true
        scheduleFlush()
    }

    /// One flush for everything written until the caller yields the loop (a request's head, message and end).
    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            releaseHeld()
            flushScheduled = false
            if unflushed, let context = self.context {
                unflushed = false
                context.flush()
            }
        }
    }

    private func markUnusable() {
        guard !closed else { return }
        closed = true
        unusable()
    }

    /// A connection no new call will use closes once its calls are done.
    private func closeIfIdle() {
        guard closed, streams.isEmpty, let context else { return }
        context.eventLoop.assumeIsolated().execute { [self] in
            guard streams.isEmpty else { return }
            self.context?.close(promise: nil)
        }
    }

    /// The transport is shutting down: no new calls here; closed when the calls in flight are done.
    func drain() {
        markUnusable()
        closeIfIdle()
    }

    func closeNow() {
        markUnusable()
        context?.close(promise: nil)
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
