import NIOCore
import NIOHTTP2

/// What both connection handlers (`ServerConnectionHandler`, `ClientConnectionHandler`) do with their connection,
/// on its event loop: open the inbound flow-control window, write frames and flush them once per turn of the loop,
/// and name the peers.
///
/// The window: without swift-nio-http2's stream multiplexer it is the handlers' to open. The connection's is raised
/// to `window` at once and topped up when less than half is left, from what the HTTP/2 handler reports
/// (`NIOHTTP2WindowUpdatedEvent`), not from the DATA the handlers see: DATA of streams already reset counts against
/// the window too, and the HTTP/2 handler drops it without passing it on (a refused 3 MiB message once stalled a
/// connection that way).
final class ConnectionFrames {
    let window: Int
    private(set) var context: ChannelHandlerContext?
    private(set) var remotePeer = "unknown"
    private(set) var localPeer = "unknown"
    private var started = false
    private var flushScheduled = false
    private var unflushed = false
    /// Runs at the turn's flush, before it (the client sends the request messages it held back).
    var beforeFlush: (() -> Void)?

    init(window: Int) {
        self.window = window
    }

    func handlerAdded(_ context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func channelActive(_ context: ChannelHandlerContext) {
        start(context)
    }

    func channelInactive() {
        context = nil
    }

    /// Once, whichever comes first: the handler added to an active channel, or the channel becoming active.
    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        remotePeer = Self.describe(context.channel.remoteAddress)
        localPeer = Self.describe(context.channel.localAddress)
        let raise = window - 65_535
        if raise > 0 {
            write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: raise)))
        }
    }

    /// Tops the connection's window up when the HTTP/2 handler says less than half is left.
    func observe(_ event: Any) {
        guard let update = event as? NIOHTTP2WindowUpdatedEvent, update.streamID == .rootStream,
            let size = update.inboundWindowSize, size <= window / 2
        else { return }
        write(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: window - size)))
    }

    func write(_ frame: HTTP2Frame, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(NIOAny(frame), promise: promise)
        unflushed = true
        scheduleFlush()
    }

    /// One flush for every frame written until the writer yields the loop: a response's head, message and
    /// trailers, a request's head, message and end, or the calls answered in one read.
    func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            beforeFlush?()
            flushScheduled = false
            flushIfNeeded()
        }
    }

    /// At the end of a read: what the read's frames made the handler write goes out now.
    func flushIfNeeded() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    /// Closes the connection after what is written has gone, once the current turn of the loop ends.
    func closeSoon(unless busy: @escaping () -> Bool) {
        guard let context else { return }
        context.eventLoop.assumeIsolated().execute { [self] in
            guard !busy() else { return }
            flushIfNeeded()
            self.context?.close(promise: nil)
        }
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    /// A peer as grpc-swift names it: `ipv4:127.0.0.1:8080`, `ipv6:[::1]:8080`, `unix:PATH`.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v4(let ip): return "ipv4:\(ip.host):\(address.port ?? 0)"
        case .v6(let ip): return "ipv6:[\(ip.host)]:\(address.port ?? 0)"
        case .unixDomainSocket: return "unix:\(address.pathname ?? "")"
        }
    }
}
