import NIOCore
import NIOHTTP1

/// Closes an admin connection that keeps a slot without asking anything: a complete request (head and body) must
/// arrive within `headTimeout` of connecting, and the next one within `idleTimeout` of the last response. No
/// deadline runs while a request is answered (a dashboard stream may last for hours).
///
/// Sits after NIO's server pipeline handler, which hands on one request at a time, so requests and responses
/// alternate here.
final class AdminDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a complete request, with a deadline.
        case waiting
        /// A request arrived (its head at least) and its response is not complete.
        case answering
    }

    private let headTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// Told when a request starts and when its response is complete, so that only waiting connections are evicted.
    private let connections: OpenConnections
    private var state = State.waiting
    private var deadline: Scheduled<Void>?

    init(headTimeout: Duration, idleTimeout: Duration, connections: OpenConnections) {
        self.headTimeout = TimeAmount(headTimeout)
        self.idleTimeout = TimeAmount(idleTimeout)
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(headTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { arm(headTimeout, context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            state = .answering
            connections.answering(context.channel)
        case .body: break
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        // Before passing the end on: the pipeline handler may hand on a queued request as soon as it sees it.
        state = .waiting
        connections.waiting(context.channel)
        let written = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: written)
        written.futureResult.assumeIsolated().whenSuccess { [weak self] _ in
            // A pipelined request may have arrived meanwhile: its answer runs without a deadline.
            guard let self, case .waiting = self.state, context.channel.isActive else { return }
            self.arm(self.idleTimeout, context: context)
        }
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
