import BerthControlProtocol
import Logging
import NIOCore
import NIOHTTP1

/// One control connection: assembles a request (bounded body), hands it to the dispatcher in a `Task`, writes the
/// reply. One request is in flight at a time: while a reply is pending, reads from the socket are held back and
/// parts the decoder already produced are queued.
final class ControlHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        /// Reading a request: `assembler` holds what arrived so far.
        case reading
        /// The request is complete and its reply not yet fully written.
        case responding(keepAlive: Bool)
        case closing
    }

    let dispatcher: ControlDispatcher
    let maxBodyBytes: Int
    let peer: PeerCredentials
    let authorized: Bool
    let logger: Logger
    var state = State.reading
    var assembler: ControlRequestAssembler
    var queued: [HTTPServerRequestPart] = []
    var readPending = false
    var streamTask: Task<Void, Never>?

    init(dispatcher: ControlDispatcher, maxBodyBytes: Int, peer: PeerCredentials, authorized: Bool, logger: Logger) {
        self.dispatcher = dispatcher
        self.maxBodyBytes = maxBodyBytes
        self.assembler = ControlRequestAssembler(maxBodyBytes: maxBodyBytes)
        self.peer = peer
        self.authorized = authorized
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handle(unwrapInboundIn(data), context: context)
    }

    func read(context: ChannelHandlerContext) {
        if case .responding = state {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closing
        queued.removeAll()
        streamTask?.cancel()
        streamTask = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .reading:
            if error is HTTPParserError {
                let apiError: ControlAPIError = authorized ? ControlRequestAssembler.malformed(error) : forbidden
                logger.debug("malformed HTTP request on control socket", metadata: ["error": "\(error)"])
                respondAndClose(apiError, context: context)
                return
            }
        case .responding, .closing:
            break
        }
        logger.debug("control connection error", metadata: ["error": "\(error)"])
        state = .closing
        context.close(promise: nil)
    }

    private var forbidden: ControlAPIError {
        ControlAPIError(
            status: 403,
            code: "forbidden",
            message: "uid \(peer.uid) may not use this daemon's control socket"
        )
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .responding:
            queued.append(part)
        case .closing:
            break
        case .reading:
            if case .head(let head) = part, !authorized {
                logger.debug(
                    "refused control request from another user",
                    metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)", "request": "\(head.method) \(head.uri)"]
                )
                respondAndClose(forbidden, context: context)
                return
            }
            switch assembler.receive(part) {
            case .none:
                break
            case .request(let request):
                state = .responding(keepAlive: request.keepAlive)
                dispatch(request, context: context)
            case .refuse(let error):
                respondAndClose(error, context: context)
            }
        }
    }

    private func dispatch(_ request: ControlRequestAssembler.Request, context: ChannelHandlerContext) {
        let dispatcher = self.dispatcher
        context.eventLoop.makeFutureWithTask {
            await dispatcher.reply(method: request.method, target: request.target, body: request.body)
        }.assumeIsolated().whenSuccess { reply in
            guard case .responding(let keepAlive) = self.state else {
                // The client went away: the operation was carried out all the same.
                if case .operation(let command, _, _) = reply { dispatcher.service.answered(command) }
                return
            }
            switch reply {
            case .json(let status, let body):
                self.writeJSON(status: status, body: body, keepAlive: keepAlive, context: context)
                    .assumeIsolated().whenComplete { _ in self.responseFinished(keepAlive: keepAlive, context: context)
                    }
            case .operation(let command, let status, let body):
                self.writeJSON(status: status, body: body, keepAlive: keepAlive, context: context)
                    .assumeIsolated().whenComplete { _ in
                        dispatcher.service.answered(command)
                        self.responseFinished(keepAlive: keepAlive, context: context)
                    }
            case .logStream(let stream):
                self.startStreaming(
                    stream, contentType: "application/x-ndjson", keepAlive: keepAlive, context: context,
                    encode: { ControlJSON.line($0) })
            case .eventStream(let stream, let serverSentEvents):
                let encode: @Sendable (DaemonEvent) -> [UInt8] =
                    if serverSentEvents { { ControlJSON.serverSentEvent($0) } } else { { ControlJSON.line($0) } }
                self.startStreaming(
                    stream, contentType: serverSentEvents ? "text/event-stream" : "application/x-ndjson",
                    keepAlive: keepAlive, context: context, encode: encode)
            }
        }
    }

    @discardableResult
    func writeJSON(status: Int, body: [UInt8], keepAlive: Bool, context: ChannelHandlerContext) -> EventLoopFuture<Void>
    {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    /// Answers with an error and closes the connection once the answer is written.
    func respondAndClose(_ error: ControlAPIError, context: ChannelHandlerContext) {
        state = .closing
        queued.removeAll()
        let body = ControlJSON.encode(error.response)
        writeJSON(status: error.status, body: body, keepAlive: false, context: context).assumeIsolated().whenComplete {
            _ in context.close(promise: nil)
        }
    }

    /// After a complete reply: close, or go back to idle and process what the client already sent.
    func responseFinished(keepAlive: Bool, context: ChannelHandlerContext) {
        guard keepAlive else {
            state = .closing
            context.close(promise: nil)
            return
        }
        state = .reading
        while !queued.isEmpty {
            if case .responding = state { break }
            handle(queued.removeFirst(), context: context)
        }
        if case .responding = state { return }
        if readPending {
            readPending = false
            context.read()
        }
    }
}
