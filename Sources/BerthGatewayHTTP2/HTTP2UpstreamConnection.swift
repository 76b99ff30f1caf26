import BerthGatewayCore
import NIOCore
import NIOHTTP2
import NIOPosix

/// One multiplexed HTTP/2 connection to a replica: streams asked for while it connects wait for it; after a
/// GOAWAY from the replica it takes no new stream, and its open streams finish.
final class HTTP2UpstreamConnection {
    typealias Initialize = (any Channel) throws -> Void
    typealias Completion = (Result<any Channel, HTTP2UpstreamPool.OpenError>) -> Void

    enum State {
        /// Streams asked for while the connection is made.
        case connecting([(initialize: Initialize, completion: Completion)])
        case ready(any Channel, NIOHTTP2Handler.StreamMultiplexer)
        case closed
    }

    let key: HTTP2UpstreamPool.Key
    unowned let pool: HTTP2UpstreamPool
    let settings: HTTP2GatewaySettings
    private var state: State = .connecting([])
    /// Streams open or being opened.
    private(set) var load = 0
    /// The replica sent GOAWAY: no new stream here.
    var goingAway = false
    /// Set by the channel initializer, before the connection completes.
    var multiplexer: NIOHTTP2Handler.StreamMultiplexer?

    init(key: HTTP2UpstreamPool.Key, pool: HTTP2UpstreamPool, settings: HTTP2GatewaySettings) {
        self.key = key
        self.pool = pool
        self.settings = settings
    }

    var isUnusable: Bool {
        if goingAway { return true }
        if case .closed = state { return true }
        return false
    }

    func connect() {
        let settings = self.settings
        let bound = NIOLoopBound(self, eventLoop: pool.eventLoop)
        ClientBootstrap(group: pool.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    let multiplexer = try sync.configureHTTP2Pipeline(
                        mode: .client,
                        connectionConfiguration: settings.connectionConfiguration(server: false),
                        streamConfiguration: settings.streamConfiguration(),
                        inboundStreamInitializer: { channel in
                            // Replicas do not push: a stream they open is refused.
                            channel.close()
                        })
                    try sync.addHandler(UpstreamConnectionWatcher(connection: bound.value))
                    bound.value.multiplexer = multiplexer
                }
            }
            .connect(host: "127.0.0.1", port: key.port)
            .whenComplete { result in
                let connection = bound.value
                switch result {
                case .success(let channel):
                    guard let multiplexer = connection.multiplexer else {
                        channel.close(promise: nil)
                        return connection.failed("the connection to the replica has no HTTP/2 handler")
                    }
                    connection.connected(channel, multiplexer)
                case .failure(let error):
                    connection.failed("cannot connect to 127.0.0.1:\(connection.key.port): \(error)")
                }
            }
    }

    private func connected(_ channel: any Channel, _ multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        guard case .connecting(let waiting) = state else {
            channel.close(promise: nil)
            return
        }
        state = .ready(channel, multiplexer)
        load -= waiting.count
        for entry in waiting { openStream(initialize: entry.initialize, completion: entry.completion) }
    }

    private func failed(_ detail: String) {
        guard case .connecting(let waiting) = state else { return }
        state = .closed
        pool.connectionClosed(self)
        for entry in waiting {
            entry.completion(.failure(.init(detail: detail, neverSent: true)))
        }
        load = 0
    }

    func openStream(
        initialize: @escaping (any Channel) throws -> Void,
        completion: @escaping (Result<any Channel, HTTP2UpstreamPool.OpenError>) -> Void
    ) {
        switch state {
        case .connecting(var waiting):
            waiting.append((initialize, completion))
            state = .connecting(waiting)
            load += 1
        case .closed:
            completion(.failure(.init(detail: "the connection to the replica closed", neverSent: true)))
        case .ready(let channel, let multiplexer):
            load += 1
            let bound = NIOLoopBound((initialize, self), eventLoop: channel.eventLoop)
            let promise = channel.eventLoop.makePromise(of: (any Channel).self)
            multiplexer.createStreamChannel(promise: promise) { stream in
                stream.eventLoop.makeCompletedFuture {
                    try bound.value.0(stream)
                    // The stream gives its place back when it closes.
                    let handler = try stream.pipeline.syncOperations.handler(type: HTTP2UpstreamStream.self)
                    handler.connection = bound.value.1
                }
            }
            promise.futureResult.whenComplete { result in
                switch result {
                case .success(let stream):
                    completion(.success(stream))
                case .failure(let error):
                    bound.value.1.streamClosed()
                    // The HEADERS frame is written only after this succeeded: nothing reached the replica.
                    let detail = "cannot open a stream to the replica: \(error)"
                    completion(.failure(.init(detail: detail, neverSent: true)))
                }
            }
        }
    }

    /// A stream of this connection ended (its handler calls this once).
    func streamClosed() {
        load = max(0, load - 1)
        if load == 0, goingAway { close() }
    }

    func receivedGoAway() {
        goingAway = true
        if load == 0 { close() }
    }

    func close() {
        switch state {
        case .ready(let channel, _):
            state = .closed
            channel.close(promise: nil)
        case .connecting, .closed:
            break
        }
        pool.connectionClosed(self)
    }

    func channelClosed() {
        if case .connecting = state {
            failed("the connection to the replica closed while connecting")
            return
        }
        state = .closed
        pool.connectionClosed(self)
    }
}

/// Watches a replica connection's frames on stream 0 (GOAWAY) and its end, for the pool.
final class UpstreamConnectionWatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    /// Strong: the pool may forget the connection before its channel is gone; the cycle ends with the pipeline.
    let connection: HTTP2UpstreamConnection

    init(connection: HTTP2UpstreamConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if case .goAway = frame.payload { connection.receivedGoAway() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.channelClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
