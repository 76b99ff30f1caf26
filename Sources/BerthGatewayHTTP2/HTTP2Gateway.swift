import CoreMetrics
public import Logging
public import NIOCore
import NIOHTTP1
import NIOHTTP2

/// The gateway's HTTP/2 side on its event loop: turns a client connection into an HTTP/2 server (after the
/// preface or ALPN `h2`), owns the pool of multiplexed replica connections, and sends GOAWAY to every client
/// connection when the gateway stops. Only touched on `backend.eventLoop`.
public final class HTTP2Gateway {
    let backend: any HTTP2Backend
    let pool: HTTP2UpstreamPool
    let http1Pool: HTTP1UpstreamPool
    private var clients: [ObjectIdentifier: any Channel] = [:]
    private var sweep: RepeatedTask?
    /// Ticks of the sweep, to close idle replica connections every `poolSweepTicks`.
    private var sweepTicks = 0
    /// Calls with a deadline (response head due, `grpc-timeout`), checked every `sweepInterval`.
    private var timedCalls = SweepList<HTTP2StreamProxy>()
    /// Deadlines are precise to this (the HTTP/1.1 side's sweep has the same period).
    static let sweepInterval = TimeAmount.milliseconds(100)
    static let poolSweepTicks = 10
    private var quiescing = false
    /// `berth_gateway_grpc_calls_total` by service, route and gRPC status, made once per combination.
    private var grpcCounters: [GRPCCounterKey: Counter] = [:]

    /// Hashed in place: no key string is built per call.
    private struct GRPCCounterKey: Hashable {
        var service: String
        var route: String
        var status: Int
    }

    /// The gateway's `send_timeout` for calls whose client stopped taking their response.
    var sendTimeout: TimeAmount { backend.http2Settings.sendTimeout }
    /// The gateway's `body_timeout` for calls whose client stopped sending a request the replica waits for.
    var bodyTimeout: TimeAmount { backend.http2Settings.bodyTimeout }
    /// The calls' clock: the event loop's, which is the real one in the product and the test's own on an
    /// `EmbeddedEventLoop` (the http2 fuzz target advances it, so that head, body and call deadlines expire there).
    var now: NIODeadline { eventLoop.now }
    /// The backend's loop, kept here: read through `backend` on each call's every clock read, it was a retain and
    /// release of the backend (slow ones: the backend is referenced weakly, so its counts live in a side table).
    let eventLoop: any EventLoop

    public init(backend: any HTTP2Backend) {
        self.backend = backend
        self.eventLoop = backend.eventLoop
        self.pool = HTTP2UpstreamPool(eventLoop: backend.eventLoop) { [weak backend] port in
            backend?.replicaChannel(port: port)
        }
        self.http1Pool = HTTP1UpstreamPool(eventLoop: backend.eventLoop)
    }

    /// Makes `channel` (its preface not consumed yet, or TLS with ALPN `h2`) an HTTP/2 server connection whose
    /// streams are proxied; call on the event loop, then pass the buffered bytes on.
    public func configure(_ channel: any Channel, scheme: String) throws {
        let settings = backend.http2Settings
        if settings.clientCodec { return try configureOwnCodec(channel, scheme: scheme) }
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: settings.idleTimeout, maxAge: nil, maxGraceTime: settings.graceTime, keepalive: nil))
        let sync = channel.pipeline.syncOperations
        // No stream multiplexer: the streams' frames go to `ClientFrameHandler` (one proxy per call, no stream
        // channel); the management handler follows the streams by NIO's stream events.
        let handler = NIOHTTP2Handler(
            mode: .server,
            connectionConfiguration: settings.connectionConfiguration(server: true),
            streamConfiguration: settings.streamConfiguration())
        let gate = StreamEventGate()
        let frames = ClientFrameHandler(gateway: self, scheme: scheme, channel: channel, settings: settings)
        gate.frames = frames
        try sync.addHandler(ClientWriteCoalescer())
        try sync.addHandler(handler)
        try sync.addHandler(gate)
        try sync.addHandler(management)
        try sync.addHandler(frames)
        try sync.addHandler(HTTP2ConnectionWatcher(gateway: self, logger: backend.logger))
        clients[ObjectIdentifier(channel)] = channel
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        startSweep()
    }

    /// `configure` with the gateway's own codec on the client's connection: `ClientCodecHandler` in place of
    /// NIOHTTP2's handler, its stream-event gate and its connection-management handler (the codec keeps the idle and
    /// grace timers and answers the quiesce event); the calls' handler is the same, its header check off (the
    /// codec's state checks every block).
    private func configureOwnCodec(_ channel: any Channel, scheme: String) throws {
        let settings = backend.http2Settings
        let sync = channel.pipeline.syncOperations
        let codec = ClientCodecHandler(settings: settings)
        let frames = ClientFrameHandler(
            gateway: self, scheme: scheme, channel: channel, settings: settings, checkHeaders: false)
        // Next to each other in the pipeline: they call each other directly (`ClientCodecHandler.frames`).
        codec.frames = frames
        frames.codec = codec
        try sync.addHandler(codec)
        try sync.addHandler(frames)
        try sync.addHandler(HTTP2ConnectionWatcher(gateway: self, logger: backend.logger))
        clients[ObjectIdentifier(channel)] = channel
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        startSweep()
    }

    /// Makes `channel`, an HTTP/1.1 connection whose request routes to an `h2c`/`grpc` service, a bridge: NIOHTTP1
    /// parses its requests from now on (the request that decided it included) and each becomes an HTTP/2 stream
    /// (`HTTP1Bridge`). The handlers go after `handler`; call on the event loop, then pass the
    /// connection's unparsed bytes on from there.
    public func bridgeHTTP1(
        _ channel: any Channel, after handler: any ChannelHandler, scheme: String, clientAddress: String
    ) throws {
        let sync = channel.pipeline.syncOperations
        var limits = NIOHTTPDecoderLimitConfiguration()
        // The same bound on a request head as the HTTP/1.1 gateway's `max_header_bytes` (NIO answers 400 above it).
        limits.maxHeaderListSize = backend.http2Settings.maxHeaderListSize
        limits.maxHeaderFieldSize = min(limits.maxHeaderFieldSize, limits.maxHeaderListSize)
        try sync.configureHTTPServerPipeline(
            position: .after(handler), withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
        let bridge = HTTP1Bridge(gateway: self, scheme: scheme, clientAddress: clientAddress)
        // No read for `idle_timeout` between requests closes the connection (the bridge ignores it mid-request).
        try sync.addHandler(IdleStateHandler(readTimeout: backend.http2Settings.idleTimeout))
        try sync.addHandler(bridge)
        clients[ObjectIdentifier(channel)] = channel
        let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        channel.closeFuture.whenComplete { _ in bound.value.clientClosed(channel) }
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        startSweep()
    }

    /// One gRPC call ended with `status` (the replica's, or the gateway's own).
    func countGRPC(service: String, route: String, status: Int) {
        let key = GRPCCounterKey(service: service, route: route, status: status)
        if let counter = grpcCounters[key] { return counter.increment() }
        let counter = Counter(
            label: "berth_gateway_grpc_calls_total",
            dimensions: [("service", service), ("route", route), ("grpc_status", String(status))])
        grpcCounters[key] = counter
        counter.increment()
    }

    func clientClosed(_ channel: any Channel) {
        clients[ObjectIdentifier(channel)] = nil
    }

    /// GOAWAY to every client connection: open streams finish (up to the grace time), new ones go elsewhere.
    public func quiesce() {
        quiescing = true
        for channel in clients.values {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Whether client connections are still open (after `quiesce`, the gateway waits for them).
    public var hasClients: Bool { !clients.isEmpty }

    /// Whether connections to replicas over HTTP/2 are open (the sweep closes those of replicas out of rotation).
    public var hasReplicaConnections: Bool { !pool.isEmpty }

    /// Closes replica connections (at shutdown, after the clients are gone).
    public func closeUpstreams() {
        sweep?.cancel()
        sweep = nil
        pool.closeAll()
        http1Pool.closeAll()
    }

    func track(_ call: HTTP2StreamProxy) {
        timedCalls.add(call)
        startSweep()
    }

    func untrack(_ call: HTTP2StreamProxy) {
        timedCalls.remove(call)
    }

    /// The calls' deadlines every tick; connections to replicas that left rotation close once idle (every
    /// second). Runs while any client, replica connection or call is there.
    private func startSweep() {
        guard sweep == nil else { return }
        sweep = backend.eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) {
            [weak self] _ in
            self?.tick()
        }
    }

    private func tick() {
        if !timedCalls.isEmpty {
            let now = self.now
            // A copy: a call that ends here leaves the list meanwhile.
            for call in timedCalls.elements { call.checkDeadlines(now) }
        }
        sweepTicks += 1
        guard sweepTicks >= Self.poolSweepTicks else { return }
        sweepTicks = 0
        let backend = self.backend
        let inRotation = { (key: HTTP2UpstreamPool.Key) in
            backend.isInRotation(service: key.service, id: key.id, generation: key.generation)
        }
        pool.sweep(inRotation: inRotation)
        http1Pool.sweep(inRotation: inRotation)
        if pool.isEmpty, clients.isEmpty, timedCalls.isEmpty {
            sweep?.cancel()
            sweep = nil
        }
    }
}

extension HTTP2Gateway: @unchecked Sendable {}
