public import BerthGatewayCore
import BerthGatewayHTTP2
import BerthListening
public import CoreMetrics
public import Logging
import NIOCore
public import NIOPosix
import NIOSSL
public import ServiceLifecycle
import Synchronization

/// Berth's HTTP gateway: the one entry point that routes each request to a ready replica of a service.
///
/// Unlike a stand-alone proxy it is told by the supervisor, at once, when a replica becomes ready, leaves, or is
/// starting: requests go only to ready replicas, wait while a service is starting, and are drained before a
/// replica is stopped. The data path runs on one event loop (measured best on this machine's two cores when the
/// load generator shares it).
public final class Gateway: Service, Sendable {
    let configuration: GatewayConfiguration
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    /// The group was made here, not lent by the daemon: `run` shuts it down.
    let ownsGroup: Bool
    let state: GatewayLoop
    /// The HTTPS listen addresses' certificates, reloaded while serving (Gateway+Certificates).
    let certificates = Mutex(GatewayCertificates())

    /// `metrics` receives request counts and latencies (see `GatewayMetrics`); by default swift-metrics' global one.
    /// `accessLog` receives the access log's lines in batches while `access_log` is on (nil: none is kept).
    /// `eventLoopGroup` is the daemon's one group (its first loop carries the data path); nil makes one of its own,
    /// shut down when `run` ends.
    public init(
        configuration: GatewayConfiguration, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory,
        accessLog: (any AccessLogSink)? = nil, eventLoopGroup: MultiThreadedEventLoopGroup? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.ownsGroup = eventLoopGroup == nil
        self.state = GatewayLoop(
            eventLoop: group.next(), configuration: configuration, logger: logger, metrics: metrics,
            accessLog: accessLog)
    }

    var eventLoop: any EventLoop { state.eventLoop }

    /// Binds every listen address, serves until graceful shutdown, then closes listeners and idle connections.
    public func run() async throws {
        let state = self.state
        let logger = self.logger
        var listeners: [any Channel] = []
        // One HTTP/2 side for every listener: its replica connections are shared by all clients.
        let http2 = HTTP2Gateway(backend: state)
        do {
            for listen in configuration.listen {
                let tls = try listen.tls.map { try loadCertificate($0, for: listen) }
                let scheme = tls == nil ? "http" : "https"
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 1024)
                    .serverChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                AcceptPauseHandler(listener: "gateway", logger: logger)
                            )
                        }
                    }
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.autoRead, value: true)
                    // Each connection keeps its receive buffer for reuse: start it small, so that 10,000 idle
                    // keep-alive clients stay cheap (it grows to 64 KiB for busy connections).
                    .childChannelOption(
                        .recvAllocator,
                        value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
                    )
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls {
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOSSLServerHandler(context: tls.context))
                            }
                            // HTTP/2 (preface or ALPN h2) or HTTP/1.1: the detector installs the side that fits.
                            try channel.pipeline.syncOperations.addHandler(
                                ProtocolDetector(loop: state, http2: http2, scheme: scheme, tls: tls != nil))
                        }
                    }
                    .bind(host: listen.host, port: listen.port)
                    .get()
                listeners.append(channel)
                logger.info("gateway listening", metadata: ["address": "\(scheme)://\(listen.host):\(listen.port)"])
            }
        } catch let error as GatewayError {
            for channel in listeners { try? await channel.close() }
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        } catch {
            for channel in listeners { try? await channel.close() }
            if ownsGroup { try? await group.shutdownGracefully() }
            throw GatewayError(
                description: "cannot listen on \(configuration.listen.map { "\($0.host):\($0.port)" }): \(error)")
        }
        let bound = listeners
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for channel in bound { try? await channel.closeFuture.get() }
            } onCancel: {
                for channel in bound { channel.close(promise: nil) }
            }
        } onGracefulShutdown: {
            for channel in bound { channel.close(promise: nil) }
        }
        // HTTP/2 clients get GOAWAY; their open streams may finish within the grace time.
        try? await eventLoop.submit { http2.quiesce() }.get()
        let grace = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < grace, (try? await eventLoop.submit { http2.hasClients }.get()) == true {
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await eventLoop.submit { http2.closeUpstreams() }.get()
        try? await eventLoop.submit { state.closeAllIdle() }.get()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    // MARK: Replica set (called by the supervisor on every change)

    /// A replica became ready: it gets traffic from now on.
    public func replicaReady(service: String, replica: Int, port: Int, generation: Int) {
        replicaReady(service: service, replica: replica, index: replica, port: port, generation: generation)
    }

    /// As above, for a replica whose slot (`replica`) differs from the index users see (`index`, for logs).
    public func replicaReady(service: String, replica: Int, index: Int, port: Int, generation: Int) {
        let state = self.state
        eventLoop.execute {
            state.replicaReady(service: service, id: replica, index: index, port: port, generation: generation)
        }
    }

    /// A replica is no longer ready (exited, failed its readiness check, or is being stopped).
    public func replicaLeft(service: String, replica: Int) {
        let state = self.state
        eventLoop.execute { state.replicaLeft(service: service, id: replica) }
    }

    /// A replica failed and is being stopped: its in-flight requests are replayed on another replica when that is
    /// safe, or answered 502, at once (see `ClientHandler.replicaDied`).
    public func replicaDied(service: String, replica: Int) {
        let state = self.state
        eventLoop.execute { state.replicaDied(service: service, id: replica) }
    }

    /// Applies a reloaded configuration in one event-loop task: routes (with their per-route limits and metrics)
    /// and every other setting (`balance` included) except the listen addresses and TLS (see `GatewayLoop.apply`).
    public func replaceRoutes(from configuration: GatewayConfiguration) async {
        let state = self.state
        try? await eventLoop.submit { state.apply(configuration) }.get()
    }

    /// Whether some replica of `service` is starting or restarting (requests then wait up to the queue timeout).
    public func setStarting(service: String, _ starting: Bool) {
        let state = self.state
        eventLoop.execute { state.setStarting(service: service, starting) }
    }

    /// Takes a replica out of rotation and returns once its in-flight requests (long polls and streaming responses
    /// to their last byte) and its tunnels (WebSockets) have finished, or `timeout` passed (GatewayLoop+Draining).
    public func drain(service: String, replica: Int, timeout: Duration) async {
        let state = self.state
        // The timeout is the event loop's: a task group racing `get()` against a sleep waited for both, as `get()`
        // does not end on cancellation, so a tunnel that stayed open held the drain (and the stop) forever.
        _ = try? await eventLoop.flatSubmit { state.drain(service: service, id: replica, timeout: timeout) }.get()
    }

    /// Calls `observer` (on the gateway's event loop) after every failed try on a replica in rotation: the
    /// supervisor turns `health: { gateway_failures: N }` into a restart with it.
    public func onFailures(_ observer: @escaping @Sendable (GatewayFailureReport) -> Void) {
        let state = self.state
        eventLoop.execute { state.failureObserver = observer }
    }

    /// In-flight requests and request rate per replica of each routed service, for `berth status`.
    public func traffic() async -> [String: [Int: ReplicaTraffic]] {
        let state = self.state
        return (try? await eventLoop.submit { state.trafficSnapshot() }.get()) ?? [:]
    }
}

/// Why the gateway could not start.
public struct GatewayError: Error, CustomStringConvertible {
    public var description: String
}

/// A replica's share of the gateway's traffic.
public struct ReplicaTraffic: Sendable, Equatable {
    public var inFlight: Int
    /// Requests per second over the last 10 seconds.
    public var rate: Double
    /// What is left of its cool-down when the gateway ejected it after consecutive failures.
    public var ejectedFor: Duration?
}

extension GatewayLoop {
    func trafficSnapshot() -> [String: [Int: ReplicaTraffic]] {
        let now = NIODeadline.now()
        let instant = ContinuousClock.now
        var result: [String: [Int: ReplicaTraffic]] = [:]
        for (serviceID, service) in pool.serviceNames.enumerated() {
            guard let balancer = pool.balancer(service) else { continue }
            let ejected = balancer.ejected
            var ids = Set(balancer.readyReplicas.map(\.id))
            var serviceRates = serviceID < rates.count ? rates[serviceID] : RateTable()
            ids.formUnion(serviceRates.ids)
            for id in ids {
                let rate = serviceRates.rate(id: id, at: now)
                let left = ejected[id].map { $0 - instant }.flatMap { $0 > .zero ? $0 : nil }
                result[service, default: [:]][id] = ReplicaTraffic(
                    inFlight: balancer.inFlight(id: id), rate: rate, ejectedFor: left)
            }
        }
        return result
    }
}
