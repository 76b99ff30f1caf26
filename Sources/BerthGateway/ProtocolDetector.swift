import BerthGatewayHTTP2
import NIOCore
import NIOSSL
import NIOTLS

/// The first handler of every gateway connection: tells HTTP/2 from HTTP/1.1 (the preface in cleartext, ALPN
/// over TLS), then installs the HTTP/2 server or the HTTP/1.1 `ClientHandler` and steps aside. It holds back
/// `channelActive` and the first bytes until it knows, so the chosen side sees the connection from its start.
final class ProtocolDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    unowned let loop: GatewayLoop
    let http2: HTTP2Gateway
    let scheme: String
    let tls: Bool
    private var buffered: [NIOAny] = []
    private var firstBytes: [UInt8] = []
    private var decided = false
    private var timeout: Scheduled<Void>?

    init(loop: GatewayLoop, http2: HTTP2Gateway, scheme: String, tls: Bool) {
        self.loop = loop
        self.http2 = http2
        self.scheme = scheme
        self.tls = tls
    }

    func channelActive(context: ChannelHandlerContext) {
        // Every client connection counts against `maxClientConnections` from its accept, whatever it turns out to
        // speak: an idle client that never sends a byte holds a descriptor too (the cap keeps berthd's table from
        // filling). The count drops when the channel closes, wherever it is by then.
        loop.clientConnections += 1
        context.channel.closeFuture.whenComplete { [loop] _ in loop.clientConnections -= 1 }
        if loop.clientConnections > loop.configuration.maxClientConnections {
            context.close(promise: nil)
            return
        }
        // A client that sends nothing decisive is closed like one that sends no request head.
        let limit = TimeAmount(loop.configuration.headerTimeout)
        timeout = context.eventLoop.scheduleTask(in: limit) { [weak self] in
            guard let self, !self.decided else { return }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        // Undecided: nobody behind counted this connection, nothing to tell.
        if decided { context.fireChannelInactive() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if tls, !decided, case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            choose(context: context, http2: negotiated == "h2")
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        buffered.append(data)
        guard !tls else { return }
        let bytes = unwrapInboundIn(data)
        firstBytes += bytes.readableBytesView.prefix(HTTP2Preface.bytes.count - firstBytes.count)
        switch HTTP2Preface.classify(firstBytes) {
        case .undecided: break
        case .http2: choose(context: context, http2: true)
        case .http1: choose(context: context, http2: false)
        }
    }

    private func choose(context: ChannelHandlerContext, http2 useHTTP2: Bool) {
        decided = true
        timeout?.cancel()
        do {
            if useHTTP2 {
                try http2.configure(context.channel, scheme: scheme)
            } else {
                // The client's end of file then reaches `ClientHandler` as an event with the connection still
                // open, so that a request sent whole before it is answered (audit11). Not over TLS, whose end is
                // NIOSSL's to handle, nor HTTP/2, whose handlers would not close on it.
                if !tls {
                    try context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                }
                let handler = ClientHandler(loop: loop, scheme: scheme)
                if loop.configuration.upstreamProtocols.values.contains(where: \.isHTTP2) { handler.http2 = http2 }
                try context.pipeline.syncOperations.addHandler(handler, position: .after(self))
            }
            context.fireChannelActive()
        } catch {
            context.close(promise: nil)
            return
        }
        let pending = buffered
        buffered = []
        for data in pending { context.fireChannelRead(data) }
        if !pending.isEmpty { context.fireChannelReadComplete() }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }
}
