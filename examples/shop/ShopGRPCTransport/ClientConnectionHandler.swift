import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The gRPC side of one client connection behind a bare `NIOHTTP2Handler` (no stream channels): it opens a
/// stream when a call's head is written and reads every stream's frames into the calls' inboxes; the connection's
/// window and the flushes, once per turn of the loop, are `ConnectionFrames`' (as for `ServerConnectionHandler`). The HTTP/2
/// handler keeps the peer's limits: new streams beyond SETTINGS_MAX_CONCURRENT_STREAMS and DATA beyond the peer's
/// windows wait in its outbound buffer.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let window: Int
    private let authority: String
    /// Told once when no new call should use this connection (GOAWAY, closed).
    private let unusable: () -> Void
    private let frames: ConnectionFrames
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var nextStreamID = HTTP2StreamID(1)
    private var closed = false
    /// Calls holding their last message until the turn's flush (`ClientCall.heldMessage`).
    private var holding: [ClientCall] = []

    private struct Stream {
        let call: ClientCall
        var inbound: StreamInbound
        var sawHead = false
    }

    init(window: Int, authority: String, unusable: @escaping () -> Void) {
        self.window = window
        self.authority = authority
        self.unusable = unusable
        frames = ConnectionFrames(window: window)
        frames.beforeFlush = { [unowned self] in releaseHeld() }
    }

    var remotePeer: String { frames.remotePeer }
    var localPeer: String { frames.localPeer }

    func handlerAdded(context: ChannelHandlerContext) {
        frames.handlerAdded(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        frames.channelActive(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        markUnusable()
        let open = streams
        streams.removeAll()
        for stream in open.values { finish(stream.call, unavailable: "the connection to the gateway closed") }
        frames.channelInactive()
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
            guard let id = open(call, endStream: false), let allocator = frames.context?.channel.allocator else {
                return
            }
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
        guard !closed, frames.context != nil else {
            finish(call, unavailable: "the connection to the gateway closed")
            return nil
        }
        let id = nextStreamID
        nextStreamID = HTTP2StreamID(Int32(Int(id) + 2))
        call.streamID = id
        call.requestEnded = endStream
        streams[id] = Stream(
            call: call, inbound: StreamInbound(maxMessageBytes: call.inbox.limit, window: window))
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
                complete(
                    frame.streamID, GRPCFields.status(ofTrailers: headers.headers),
                    GRPCFields.responseMetadata(headers.headers))
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
        frames.flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        frames.observe(event)
        if let closedStream = event as? StreamClosedEvent,
            let stream = streams.removeValue(forKey: closedStream.streamID)
        {
            finish(stream.call, unavailable: "the call's stream closed before its status")
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func receive(_ id: HTTP2StreamID, _ bytes: ByteBuffer, length: Int, endStream: Bool) {
        // Taken out while it changes: a copy left in the dictionary would make each append copy the partial
        // message's bytes.
        guard var stream = streams.removeValue(forKey: id) else { return }
        guard stream.sawHead else {
            streams[id] = stream
            return
        }
        let outcome = stream.inbound.take(
            bytes, length: length, endStream: endStream, into: stream.call.inbox, as: RPCResponsePart.message)
        switch outcome {
        case .failed(let status):
            reset(stream.call, RPCError(code: RPCError.Code(status.code) ?? .internalError, message: status.message))
        case .taken(let increment):
            if endStream {
                finish(stream.call, unavailable: "the response ended without a status")
                return
            }
            if let increment {
                write(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: increment)))
            }
            streams[id] = stream
        }
    }

    /// The status arrived: the call's reads end with it.
    private func complete(_ id: HTTP2StreamID, _ status: Status, _ metadata: Metadata) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        let call = stream.call
        call.done = true
        if stream.inbound.deframer.holdsPartialMessage {
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

    /// The call ends as `unavailable` (nothing of its answer is known).
    private func finish(_ call: ClientCall, unavailable message: String) {
        guard !call.done else { return }
        call.done = true
        call.inbox.push(.status(Status(code: .unavailable, message: message), [:]))
        call.inbox.finish()
    }

    // MARK: Writes and the connection's end

    private func write(_ frame: HTTP2Frame) {
        frames.write(frame)
    }

    private func scheduleFlush() {
        frames.scheduleFlush()
    }

    private func markUnusable() {
        guard !closed else { return }
        closed = true
        unusable()
    }

    /// A connection no new call will use closes once its calls are done.
    private func closeIfIdle() {
        guard closed, streams.isEmpty else { return }
        frames.closeSoon(unless: { [self] in !streams.isEmpty })
    }

    /// The transport is shutting down: no new calls here; closed when the calls in flight are done.
    func drain() {
        markUnusable()
        closeIfIdle()
    }
}
