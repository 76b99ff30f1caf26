import CoreMetrics
public import Logging
public import NIOCore
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
    private var quiescing = false
    /// `berth_gateway_grpc_calls_total` by service, route and gRPC status, made once per combination.
    private var grpcCounters: [String: Counter] = [:]

    public init(backend: any HTTP2Backend) {
        self.backend = backend
        self.pool = HTTP2UpstreamPool(eventLoop: backend.eventLoop)
        self.http1Pool = HTTP1UpstreamPool(eventLoop: backend.eventLoop)
    }

    /// Makes `channel` (its preface not consumed yet, or TLS with ALPN `h2`) an HTTP/2 server connection whose
    /// streams are proxied; call on the event loop, then pass the buffered bytes on.
    public func configure(_ channel: any Channel, scheme: String) throws {
        let settings = backend.http2Settings
        let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: settings.idleTimeout, maxAge: nil, maxGraceTime: settings.graceTime, keepalive: nil))
        let sync = channel.pipeline.syncOperations
        let handler = NIOHTTP2Handler(
            mode: .server, eventLoop: channel.eventLoop,
            connectionConfiguration: settings.connectionConfiguration(server: true),
            streamConfiguration: settings.streamConfiguration(),
            streamDelegate: management.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2StreamProxy(gateway: bound.value, scheme: scheme))
            }
        }
        try sync.addHandler(handler)
        try sync.addHandler(management)
        try sync.addHandler(HTTP2ConnectionWatcher(gateway: self, logger: backend.logger))
        clients[ObjectIdentifier(channel)] = channel
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        startSweep()
    }

    /// One gRPC call ended with `status` (the replica's, or the gateway's own).
    func countGRPC(service: String, route: String, status: Int) {
        let key = "\(service)\u{0}\(route)\u{0}\(status)"
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

    /// Closes replica connections (at shutdown, after the clients are gone).
    public func closeUpstreams() {
        sweep?.cancel()
        sweep = nil
        pool.closeAll()
        http1Pool.closeAll()
    }

    /// Connections to replicas that left rotation close once idle: checked every second while any is open.
    private func startSweep() {
        guard sweep == nil else { return }
        sweep = backend.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) {
            [weak self] _ in
            guard let self else { return }
            let backend = self.backend
            let inRotation = { (key: HTTP2UpstreamPool.Key) in
                backend.isInRotation(service: key.service, id: key.id, generation: key.generation)
            }
            self.pool.sweep(inRotation: inRotation)
            self.http1Pool.sweep(inRotation: inRotation)
            if self.pool.isEmpty, self.clients.isEmpty {
                self.sweep?.cancel()
                self.sweep = nil
            }
        }
    }
}

extension HTTP2Gateway: @unchecked Sendable {}
