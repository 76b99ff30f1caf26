import BerthGatewayCore
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// One keep-alive HTTP/1.1 connection to a replica, carrying one HTTP/2 call at a time: the call's HEADERS become
/// a request head (with Host and the forwarding fields), DATA its body, and the response comes back as HTTP/2
/// frames. Connection-specific fields are dropped both ways (RFC 9113 §8.2.2).
final class HTTP1UpstreamConnection: ChannelInboundHandler, UpstreamLeg {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "http2-settings",
    ]

    let key: HTTP2UpstreamPool.Key
    unowned let pool: HTTP1UpstreamPool
    var context: ChannelHandlerContext?
    private var proxy: HTTP2StreamProxy?
    private var attempt = 0
    private var reused = false
    private var requestEnded = false
    private var responseEnded = false
    private var keepAlive = true
    private var gotResponseBytes = false

    init(key: HTTP2UpstreamPool.Key, pool: HTTP1UpstreamPool) {
        self.key = key
        self.pool = pool
    }

    var isOpen: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context holds this handler: kept, it would keep every closed replica connection in memory.
        self.context = nil
    }

    func begin(proxy: HTTP2StreamProxy, attempt: Int, reused: Bool) {
        self.proxy = proxy
        self.attempt = attempt
        self.reused = reused
        requestEnded = false
        responseEnded = false
        keepAlive = true
        gotResponseBytes = false
    }

    // MARK: UpstreamLeg

    func send(_ payload: CallFrame) {
        guard let context, let proxy else { return }
        switch payload {
        case .headers(let frame) where !requestEnded && frame.headers.contains(name: ":method"):
            context.write(
                wrapOutboundOut(.head(requestHead(frame.headers, proxy: proxy, endStream: frame.endStream))),
                promise: nil)
            if frame.endStream { endRequest(trailers: nil) }
        case .headers(let frame):
            var trailers = HTTPHeaders()
            for (name, value, _) in frame.headers where !name.hasPrefix(":") { trailers.add(name: name, value: value) }
            endRequest(trailers: trailers)
        case .data(let frame):
            if case let buffer = frame.data, buffer.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            if frame.endStream { endRequest(trailers: nil) }
        default:
            break
        }
    }

    private func endRequest(trailers: HTTPHeaders?) {
        requestEnded = true
        context?.write(wrapOutboundOut(.end(trailers)), promise: nil)
    }

    private func requestHead(_ headers: HTTP2Fields, proxy: HTTP2StreamProxy, endStream: Bool) -> HTTPRequestHead {
        var fields = HTTPHeaders()
        var method = "GET"
        var authority: String?
        var hasLength = false
        for (name, value, _) in headers {
            switch name {
            case ":method": method = value
            case ":authority": authority = value
            case ":path", ":scheme": continue
            case "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
                "x-forwarded-port":
                continue
            default:
                if name.hasPrefix(":") || Self.hopByHop.contains(name) || ForwardingFieldName.isClientAddress(name)
                    || ForwardingFieldName.isLookalike(name)
                {
                    continue
                }
                if name == "content-length" { hasLength = true }
                fields.add(name: name, value: value)
            }
        }
        let host = authority ?? headers.first(name: "host") ?? "localhost"
        if !fields.contains(name: "host") { fields.replaceOrAdd(name: "host", value: host) }
        fields.add(name: "x-forwarded-for", value: proxy.clientAddress)
        fields.add(name: "x-forwarded-proto", value: proxy.scheme)
        fields.add(name: "x-forwarded-host", value: host)
        fields.add(name: "x-request-id", value: proxy.requestID.text)
        if endStream, !hasLength, method != "GET", method != "HEAD" {
            fields.add(name: "content-length", value: "0")
        }
        return HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: method), uri: proxy.upstreamPath,
            headers: fields)
    }

    func flush() { context?.flush() }

    func cancel() {
        proxy = nil
        close()
    }

    func setReading(_ on: Bool) { context?.channel.setAutoReadSoon(on) }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func close() {
        context?.close(promise: nil)
    }

    // MARK: The replica's response

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        gotResponseBytes = true
        guard let proxy else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            var headers = HTTP2Fields()
            headers.add(name: ":status", value: String(head.status.code))
            for (name, value) in head.headers {
                let lower = name.lowercased()
                if Self.hopByHop.contains(lower) { continue }
                headers.add(name: lower, value: value)
            }
            proxy.upstreamRead(.headers(.init(headers: headers)), attempt: attempt)
        case .body(let buffer):
            proxy.upstreamRead(.data(.init(data: buffer)), attempt: attempt)
        case .end(let trailers):
            responseEnded = true
            self.proxy = nil
            if let trailers, !trailers.isEmpty {
                var headers = HTTP2Fields()
                for (name, value) in trailers { headers.add(name: name.lowercased(), value: value) }
                proxy.upstreamRead(.headers(.init(headers: headers, endStream: true)), attempt: attempt)
            } else {
                let empty = context.channel.allocator.buffer(capacity: 0)
                proxy.upstreamRead(.data(.init(data: empty, endStream: true)), attempt: attempt)
            }
            proxy.upstreamReadComplete(attempt: attempt)
            if keepAlive, requestEnded {
                pool.release(self)
            } else {
                close()
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        proxy?.upstreamReadComplete(attempt: attempt)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        proxy?.upstreamWritabilityChanged(context.channel.isWritable, attempt: attempt)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard let proxy else { return }
        self.proxy = nil
        // A reused keep-alive connection the replica had closed before this request: it never saw the request.
        let neverSent = reused && !gotResponseBytes
        proxy.upstreamClosed(
            reason: neverSent ? .refusedStream : nil, detail: "the replica closed the connection", attempt: attempt)
    }
}
