import BerthGatewayCore
import BerthGatewayHTTP2
import CoreMetrics
import Logging
import NIOCore
import NIOPosix

/// The gateway's state on its event loop: routes, the ready replicas of every service with their balancers, the
/// pool of idle upstream connections, requests waiting for a replica, and counters. Only touched on `eventLoop`,
/// so the data path takes no locks.
final class GatewayLoop {
    /// The upstream pool with the shell's handles: upstream connections and waiting clients, by identity.
    typealias Pool = UpstreamPool<UpstreamRef, ClientRef>

    let eventLoop: any EventLoop
    private(set) var configuration: GatewayConfiguration
    let logger: Logger
    private(set) var metrics: GatewayMetrics
    private let metricsFactory: any MetricsFactory
    /// Told of every failed try on a replica in rotation, with its failures in a row (see `Gateway.onFailures`).
    var failureObserver: (@Sendable (GatewayFailureReport) -> Void)?
    /// Told of every ejection (see `Gateway.onEjections`).
    var ejectionObserver: (@Sendable (String, Int) -> Void)?
    private(set) var routes: RouteTable {
        didSet {
            routeTable += 1
            indexRoutes()
        }
    }
    /// How many route tables came before `routes` (reloads that changed them): an HTTP/2 call's route carries the
    /// number of the table it was matched in (`HTTP2Route.table`), its index valid in that table only.
    private(set) var routeTable = 0
    /// Each route as the HTTP/2 side takes it, by position in `routes`: made once per table and per configuration
    /// (its timeout and retries with the gateway's defaults), so that a call allocates no route nor looks up its
    /// service's protocol by name.
    private(set) var http2Routes: [HTTP2Route] = []
    /// The limits and timeouts of HTTP/2 connections, made once per configuration: every call's stream reads them,
    /// and making them from the configuration each time (nine conversions) was ~0.9k instructions per call.
    private(set) var http2Settings = HTTP2GatewaySettings()
    /// Each route's service as the pool's id, by the route's position in `routes`: a request hashes no name.
    private(set) var routeServices: [ServiceID] = []
    /// Whether each route's service speaks HTTP/2 (`h2c`/`grpc`), by position: an HTTP/1.1 request to one is handed
    /// to the HTTP/2 side's bridge (ClientHandler+HTTP2Bridge).
    private(set) var routeSpeaksHTTP2: [Bool] = []
    /// Each route's largest request body (its own `max_body_bytes` or the gateway's), by its position in `routes`.
    private(set) var bodyLimits: [Int?] = []
    /// Each route's service name and try settings, the gateway's defaults filled in, by position in `routes`: a
    /// request's start reads them here instead of through the route table (~300 instructions per request of
    /// route copies, which retain and release the route's strings).
    private(set) var routeTries: [RouteTries] = []
    /// `idle_timeout` as NIO's `TimeAmount`, converted once: the conversion of a `Duration` (~190 instructions) was
    /// paid at the end of every request.
    private(set) var idleTimeout = TimeAmount.seconds(60)
    /// Balancers, waiters, idle connections and drains (pure; GatewayLoop+Pool runs its actions).
    var pool: Pool
    var drains: [Pool.ReplicaKey: [EventLoopPromise<Void>]] = [:]
    /// Tunnels (after a 101) per replica, which a drain waits for too (GatewayLoop+Draining).
    var tunnels = OpenTunnels<ObjectIdentifier>()
    /// Waiters of `wait(service:waiter:)`, kept alive while the pool holds them.
    var waiters: [ObjectIdentifier: Waiter] = [:]
    var requestIDs = RequestIDGenerator()
    /// One empty buffer shared by every idle connection (copy-on-write: never written in place).
    let emptyBuffer = ByteBufferAllocator().buffer(capacity: 0)
    /// Scratch for the field lines of the response head being rewritten (reused: no allocation per response).
    var fieldLines: [FieldLine] = []
    /// Scratch for the field lines of the request head being parsed (reused: no allocation per request).
    var requestLines: [FieldLine] = []
    /// Head buffers sent before, for the next heads (no storage allocated per head).
    var headBuffers = HeadBufferPool()
    var clientConnections = 0 {
        didSet { metrics.clientConnections(clientConnections) }
    }
    /// Requests started per replica over the last seconds, for `berth status`.
    /// By `ServiceID` (the pool's index), then replica id: a request hashes no service name to count itself.
    var rates: [RateTable] = []
    /// Open client connections, swept a few times a second for expired deadlines (cheaper than a timer per request).
    var clients: [ObjectIdentifier: ClientHandler] = [:]
    private var sweep: RepeatedTask?
    static let sweepInterval = TimeAmount.milliseconds(100)
    /// The access log: lines collect here and go to the sink in batches (at 32 KiB, on each sweep, when the last
    /// client leaves, at shutdown; within a sweep interval while no HTTP/1.1 client is open), so a request costs a
    /// few appends, not a write.
    let accessSink: (any AccessLogSink)?
    private var accessLines = ByteBuffer()
    private var accessLine = AccessLogLine()
    static let accessBatchBytes = 32 * 1024
    /// A flush due while no HTTP/1.1 client is open (so no sweep runs): HTTP/2 streams and bridged connections log
    /// here too, and their lines must not wait for the next HTTP/1.1 client to leave.
    private var accessFlush: Scheduled<Void>?

    init(
        eventLoop: any EventLoop, configuration: GatewayConfiguration, logger: Logger, metrics: any MetricsFactory,
        accessLog: (any AccessLogSink)? = nil
    ) {
        self.eventLoop = eventLoop
        self.accessSink = accessLog
        self.configuration = configuration
        self.logger = logger
        self.metrics = GatewayMetrics(routes: configuration.routes, factory: metrics)
        self.metricsFactory = metrics
        self.routes = RouteTable(configuration.routes)
        self.bodyLimits = Self.bodyLimits(configuration)
        self.routeTries = Self.routeTries(configuration)
        self.idleTimeout = TimeAmount(configuration.idleTimeout)
        self.http2Settings = Self.http2Settings(configuration)
        self.pool = Pool(policy: configuration.balance, settings: Self.poolSettings(configuration))
        for route in configuration.routes { pool.declare(service: route.service) }
        indexRoutes()
    }

    /// The per-route tables read on the request path, rebuilt whenever `routes` changes (after `configuration`).
    private func indexRoutes() {
        routeServices = routes.routes.map { pool.serviceID($0.service) }
        routeSpeaksHTTP2 = routes.routes.map { configuration.upstreamProtocols[$0.service]?.isHTTP2 == true }
        http2Routes = Self.http2Routes(
            routes, table: routeTable, serviceIDs: routeServices, configuration: configuration)
    }

    static func bodyLimits(_ configuration: GatewayConfiguration) -> [Int?] {
        configuration.routes.map { route in
            configuration.maxBodyBytesByRoute[RouteKey(route.host, route.path)] ?? configuration.maxBodyBytes
        }
    }

    static func routeTries(_ configuration: GatewayConfiguration) -> [RouteTries] {
        configuration.routes.map { route in
            RouteTries(
                service: route.service, maxAttempts: 1 + (route.retries ?? configuration.retries),
                timeout: route.timeout ?? configuration.upstreamTimeout, deadline: route.deadline)
        }
    }

    static func poolSettings(_ configuration: GatewayConfiguration) -> Pool.Settings {
        Pool.Settings(queueTimeout: configuration.queueTimeout, maxIdlePerReplica: configuration.maxIdlePerReplica)
    }

    /// Applies a new configuration at once (`berth reload`): the routes with their limits and metrics, timeouts,
    /// limits, `access_log`, `trust_forwarded`... A request is matched against either the old table or the new
    /// one, never a mix; open connections use the new settings from their next request or timer on; `balance`
    /// from the next pick (in-flight counts and ejections carry over). Only the listen addresses (bound once) stay
    /// as they were.
    func apply(_ new: GatewayConfiguration) {
        var new = new
        new.listen = configuration.listen
        let routesChanged = new.routes != configuration.routes
        configuration = new
        pool.settings = Self.poolSettings(new)
        pool.setPolicy(new.balance)
        bodyLimits = Self.bodyLimits(new)
        routeTries = Self.routeTries(new)
        idleTimeout = TimeAmount(new.idleTimeout)
        http2Settings = Self.http2Settings(new)
        guard routesChanged else {
            // The same routes, maybe other timeouts, retries or protocols: the HTTP/2 routes are made again.
            return indexRoutes()
        }
        self.routes = RouteTable(new.routes)
        metrics = GatewayMetrics(routes: new.routes, factory: metricsFactory)
        metrics.clientConnections(clientConnections)
        for route in new.routes { pool.declare(service: route.service) }
    }

    // MARK: Client connections

    func register(_ client: ClientHandler) {
        clients[ObjectIdentifier(client)] = client
        if sweep == nil {
            sweep = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) {
                [weak self] _ in
                self?.sweepDeadlines()
            }
        }
    }

    func unregister(_ client: ClientHandler) {
        clients[ObjectIdentifier(client)] = nil
        tunnelClosed(client)
        if clients.isEmpty {
            // No connections, no wake-ups: an idle gateway costs no CPU.
            sweep?.cancel()
            sweep = nil
            flushAccessLog()
        }
    }

    // MARK: Access log

    func logAccess(
        method: String, path: String, status: Int, service: String?, index: Int?, upstreamNanoseconds: Int64?,
        totalNanoseconds: Int64, requestID: String, grpcStatus: Int? = nil
    ) {
        logAccess(
            method: method, path: path, status: status, service: service, index: index,
            upstreamNanoseconds: upstreamNanoseconds, totalNanoseconds: totalNanoseconds,
            requestID: .text(requestID), grpcStatus: grpcStatus)
    }

    func logAccess(
        method: String, path: String, status: Int, service: String?, index: Int?, upstreamNanoseconds: Int64?,
        totalNanoseconds: Int64, requestID: RequestID, grpcStatus: Int? = nil
    ) {
        guard accessSink != nil else { return }
        accessLine.append(
            to: &accessLines, method: method, path: path, status: status, service: service, index: index,
            upstreamNanoseconds: upstreamNanoseconds, totalNanoseconds: totalNanoseconds, requestID: requestID,
            grpcStatus: grpcStatus)
        if accessLines.readableBytes >= Self.accessBatchBytes {
            flushAccessLog()
        } else if sweep == nil, accessFlush == nil {
            accessFlush = eventLoop.scheduleTask(in: Self.sweepInterval) { [weak self] in
                self?.accessFlush = nil
                self?.flushAccessLog()
            }
        }
    }

    func flushAccessLog() {
        guard let accessSink, accessLines.readableBytes > 0 else { return }
        accessSink.write(accessLines)
        accessLines.clear()
    }

    private func sweepDeadlines() {
        let now = NIODeadline.now()
        for client in Array(clients.values) { client.checkDeadlines(now) }
        flushAccessLog()
    }
}

extension GatewayLoop: @unchecked Sendable {}

/// What a request's start needs of its route (see `GatewayLoop.routeTries`).
struct RouteTries {
    let service: String
    /// 1 + the route's `retries` (or the gateway's).
    let maxAttempts: Int
    /// The route's `timeout` (or the gateway's), per try.
    let timeout: Duration
    /// The route's `deadline`, if any.
    let deadline: Duration?
}

/// A service's rate windows by replica id: ids in the order first seen, searched from the newest (the replicas in
/// rotation are the latest ids: a restarted replica gets a new one). A `[Int: RateWindow]` hashed the id and ran a
/// `modify` coroutine per request (~300 instructions in the profile).
struct RateTable {
    private(set) var ids: [Int] = []
    private var windows: [RateWindow] = []

    mutating func record(id: Int, at now: NIODeadline) {
        var index = ids.count - 1
        while index >= 0, ids[index] != id { index -= 1 }
        if index < 0 {
            ids.append(id)
            windows.append(RateWindow())
            index = ids.count - 1
        }
        windows[index].record(at: now)
    }

    /// Events per second over the window of the replica (0 when none was counted).
    mutating func rate(id: Int, at now: NIODeadline) -> Double {
        guard let index = ids.lastIndex(of: id) else { return 0 }
        return windows[index].rate(at: now)
    }
}

/// Counts events in one-second buckets over the last `RateWindow.seconds` seconds.
struct RateWindow {
    static let seconds = 10
    private var buckets = [Int](repeating: 0, count: RateWindow.seconds)
    private var lastSecond: Int64 = 0

    mutating func record(at now: NIODeadline) {
        advance(to: now)
        buckets[Int(lastSecond % Int64(Self.seconds))] += 1
    }

    /// Events per second over the window.
    mutating func rate(at now: NIODeadline) -> Double {
        advance(to: now)
        return Double(buckets.reduce(0, +)) / Double(Self.seconds)
    }

    private mutating func advance(to now: NIODeadline) {
        let second = now.uptimeNanoseconds.dividedReportingOverflow(by: 1_000_000_000).partialValue
        let current = Int64(second)
        if current - lastSecond >= Int64(Self.seconds) {
            buckets = [Int](repeating: 0, count: Self.seconds)
        } else if current > lastSecond {
            for tick in (lastSecond + 1)...current { buckets[Int(tick % Int64(Self.seconds))] = 0 }
        }
        lastSecond = max(lastSecond, current)
    }
}
