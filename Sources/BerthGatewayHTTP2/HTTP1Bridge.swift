import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// An HTTP/1.1 client connection that reached an `h2c` or `grpc` service: each request becomes one HTTP/2 stream
/// driven by an `HTTP2StreamProxy` (the same routing, per-call balancing, retries, deadlines and access log as an
/// HTTP/2 client's stream), and the stream's frames come back as an HTTP/1.1 response (chunked when the replica
/// gives no length, its trailers in the last chunk). NIOHTTP1 in front parses requests and holds pipelined ones
/// until the response before them is written. What HTTP/2 cannot carry (Upgrade, CONNECT) is refused with 502.
final class HTTP1Bridge: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = CallFrame
    typealias OutboundIn = CallFrame
    typealias OutboundOut = HTTPServerResponsePart

    let gateway: HTTP2Gateway
    let scheme: String
    let clientAddress: String
    /// The current request's stream; a finished one stays in the pipeline until the next request replaces it.
    private var proxy: HTTP2StreamProxy?
    /// The request's HEADERS frame ended the stream (no body): the decoder's `.end` is not forwarded.
    private var requestEndedAtHead = false
    /// The current request's body is being dropped (the request was refused).
    private var discarding = false
    private var keepAlive = true
    private var responseStarted = false
    /// The client stopped being served (refused, or closing after this response).
    private var closing = false
    /// From a request head to the end of its response: an idle connection is closed only outside of it.
    private var inExchange = false
    /// NIOHTTP1's error handler answered the current request (400, a body it could not parse) before its response
    /// started: the exchange's own response must not follow it (a second response is an assertion in NIOHTTP1's
    /// pipeline handler, found by the http2 fuzz target), and the connection is closing.
    private var answeredByParser = false

    init(gateway: HTTP2Gateway, scheme: String, clientAddress: String) {
        self.gateway = gateway
        self.scheme = scheme
        self.clientAddress = clientAddress
    }

    // MARK: Requests
    // (No stored context: a handler holding its context would keep every bridged connection in memory.)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            start(head, context: context)
        case .body(let buffer):
            guard !discarding, !requestEndedAtHead else { return }
            context.fireChannelRead(wrapInboundOut(.data(.init(data: buffer))))
        case .end(let trailers):
            defer {
                discarding = false
                requestEndedAtHead = false
            }
            guard !discarding, !requestEndedAtHead else { return }
            if let trailers, !trailers.isEmpty {
                let headers = HTTP1Translation.trailers(trailers)
                context.fireChannelRead(wrapInboundOut(.headers(.init(headers: headers, endStream: true))))
            } else {
                let empty = context.channel.allocator.buffer(capacity: 0)
                context.fireChannelRead(wrapInboundOut(.data(.init(data: empty, endStream: true))))
            }
        }
    }

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        if let old = proxy {
            proxy = nil
            context.pipeline.syncOperations.removeHandler(old, promise: nil)
        }
        // NIOHTTP1's decoder parses nothing after a request that asks for an upgrade (it expects another protocol
        // to follow): an ignored `Upgrade: h2c` ends the connection after its response.
        keepAlive = head.isKeepAlive && !head.headers.contains(name: "upgrade")
        responseStarted = false
        inExchange = true
        switch HTTP1Translation.requestHeaders(head, scheme: scheme, clientAddress: clientAddress) {
        case .failure(let refusal):
            refuse(refusal, head: head, context: context)
        case .success(let (headers, endStream, expectsContinue)):
            let proxy = HTTP2StreamProxy(gateway: gateway, scheme: scheme)
            proxy.clientAddress = clientAddress
            do {
                try context.pipeline.syncOperations.addHandler(proxy, position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
            self.proxy = proxy
            requestEndedAtHead = endStream
            if expectsContinue {
                context.writeAndFlush(
                    wrapOutboundOut(.head(.init(version: .http1_1, status: .continue))), promise: nil)
            }
            context.fireChannelRead(wrapInboundOut(.headers(.init(headers: headers, endStream: endStream))))
        }
    }

    /// Answers 502 (or a `.refused` head's own status) with the reason and closes the connection (its body, if any,
    /// is not read).
    private func refuse(_ refusal: HTTP1Translation.Refusal, head: HTTPRequestHead, context: ChannelHandlerContext) {
        discarding = true
        closing = true
        let route = gateway.backend.http2Route(host: head.headers.first(name: "host"), path: head.uri)?.route
        let service = route.map { "service '\($0.service)'" } ?? "this connection"
        let why: String
        var status = HTTPResponseStatus.badGateway
        switch refusal {
        case .upgrade(let protocols):
            why =
                route?.upstreamProtocol.isHTTP2 == true
                ? "Upgrade (\(protocols)) cannot be forwarded to \(service): it speaks HTTP/2 (protocol: "
                    + "\(route!.upstreamProtocol.rawValue)), which has no Upgrade"
                : "Upgrade (\(protocols)) is not supported on a connection that already reached an HTTP/2 "
                    + "service: open a new connection for it"
        case .connect:
            why = "CONNECT is not supported through the gateway"
        case .target(let target):
            why = "the request target \(target) is not a path"
        case .refused(let code, let reason):
            why = reason
            status = HTTPResponseStatus(statusCode: code)
        }
        let requestID = gateway.backend.nextRequestID()
        var body = context.channel.allocator.buffer(capacity: why.utf8.count + 1)
        body.writeString(why + "\n")
        var fields = HTTPHeaders()
        fields.add(name: "content-type", value: "text/plain; charset=utf-8")
        fields.add(name: "content-length", value: String(body.readableBytes))
        fields.add(name: "x-request-id", value: requestID.text)
        fields.add(name: "connection", value: "close")
        context.write(
            wrapOutboundOut(.head(.init(version: .http1_1, status: status, headers: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        gateway.backend.logHTTP2Access(
            HTTP2AccessEntry(
                method: head.method.rawValue, path: head.uri, status: Int(status.code), grpcStatus: nil,
                replicaIndex: nil, route: route, attempts: 0, upstreamNanoseconds: nil, totalNanoseconds: 0,
                requestID: requestID, endedAt: .now()))
    }

    // MARK: Responses (the proxy's frames)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if answeredByParser {
            promise?.succeed()
            return
        }
        switch unwrapOutboundIn(data) {
        case .headers(let frame):
            if !responseStarted {
                let status = frame.headers.first(name: ":status").flatMap { Int($0) } ?? 0
                if (100..<200).contains(status) {
                    // 100 Continue went out already; other interim responses are not passed on.
                    promise?.succeed()
                    return
                }
                responseStarted = true
                let head = HTTP1Translation.responseHead(frame.headers, keepAlive: keepAlive && !closing)
                context.write(wrapOutboundOut(.head(head)), promise: frame.endStream ? nil : promise)
                if frame.endStream { endResponse(trailers: nil, context: context, promise: promise) }
            } else {
                endResponse(trailers: HTTP1Translation.trailers(frame.headers), context: context, promise: promise)
            }
        case .data(let frame):
            if case let buffer = frame.data, buffer.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: frame.endStream ? nil : promise)
            } else if !frame.endStream {
                promise?.succeed()
            }
            if frame.endStream { endResponse(trailers: nil, context: context, promise: promise) }
        case .rstStream:
            // The response broke off after it started (or the call was cancelled): HTTP/1.1 can only say so by
            // closing the connection (a chunked body then lacks its last chunk).
            promise?.succeed()
            context.close(promise: nil)
        default:
            promise?.succeed()
        }
    }

    private func endResponse(trailers: HTTPHeaders?, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let ended = context.channel.eventLoop.makePromise(of: Void.self)
        if let promise { ended.futureResult.cascade(to: promise) }
        context.write(wrapOutboundOut(.end(trailers)), promise: ended)
        responseStarted = false
        inExchange = false
        if !keepAlive || closing {
            context.flush()
            let channel = context.channel
            ended.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } else {
            // The proxy may have stopped reading the client while its replica was slow to take the body: the next
            // request must be read.
            context.channel.setAutoReadSoon(true)
        }
    }

    /// A request NIOHTTP1 could not parse: its error handler answered 400 `Connection: close` (unless a response was
    /// under way), but closing is left to the pipeline; without this the connection stayed open until idle_timeout
    /// and left no access-log line (audit2).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        discarding = true
        gateway.backend.logHTTP2Access(
            HTTP2AccessEntry(
                method: "-", path: "-", status: 400, grpcStatus: nil, replicaIndex: nil, route: nil, attempts: 0,
                upstreamNanoseconds: nil, totalNanoseconds: 0, requestID: gateway.backend.nextRequestID(),
                endedAt: .now()))
        if inExchange, responseStarted {
            // The response before it is still being written: the connection closes once it ends.
            closing = true
        } else {
            // Idle, or the request being read broke before its response started: NIOHTTP1's error handler wrote
            // and flushed its 400 already. Closing also cancels the request's stream.
            answeredByParser = inExchange
            closing = true
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { closing = true }
        if case IdleStateHandler.IdleStateEvent.read = event, !inExchange {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
