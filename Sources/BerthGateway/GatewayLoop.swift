import BerthGatewayCore
import CoreMetrics
import Logging
import NIOCore
import NIOPosix

/// The gateway's state on its event loop: routes, the ready replicas of every service with their balancers, the
/// pool of idle upstream connections, requests waiting for a replica, and counters. Only touched on `eventLoop`,
/// so the data path takes no locks.
final class GatewayLoop {
    /// A request waiting for a ready replica of a service.
    final class Waiter {
        let deadline: NIODeadline
        var timeout: Scheduled<Void>?
        let resume: (UpstreamBalancer.Replica?) -> Void

        init(deadline: NIODeadline, resume: @escaping (UpstreamBalancer.Replica?) -> Void) {
            self.deadline = deadline
            self.resume = resume
        }
    }

    struct ServiceState {
        var balancer: UpstreamBalancer
        /// The supervisor has replicas of this service starting or restarting: worth waiting for.
        var starting = false
        var waiters: [ObjectIdentifier: Waiter] = [:]
        var waitOrder: [ObjectIdentifier] = []
    }

    let eventLoop: any EventLoop
    private(set) var configuration: GatewayConfiguration
    let logger: Logger
    private(set) var metrics: GatewayMetrics
    private let metricsFactory: any MetricsFactory
    /// Told of every failed try on a replica in rotation, with its failures in a row (see `Gateway.onFailures`).
    var failureObserver: (@Sendable (GatewayFailureReport) -> Void)?
    /// Told of every ejection (see `Gateway.onEjections`).
    var ejectionObserver: (@Sendable (String, Int) -> Void)?
    private(set) var routes: RouteTable
    private(set) var services: [String: ServiceState] = [:]
    private var idle: [UpstreamKey: [UpstreamHandler]] = [:]
    private var drains: [DrainKey: [EventLoopPromise<Void>]] = [:]
    var requestIDs = RequestIDGenerator()
    /// One empty buffer shared by every idle connection (copy-on-write: never written in place).
    let emptyBuffer = ByteBufferAllocator().buffer(capacity: 0)
    var clientConnections = 0 {
        didSet { metrics.clientConnections(clientConnections) }
    }
    /// Requests started per replica over the last seconds, for `berth status`.
    var rates: [String: [Int: RateWindow]] = [:]
    private var seed: UInt64 = 0x5EED
    /// Open client connections, swept a few times a second for expired deadlines (cheaper than a timer per request).
    private var clients: [ObjectIdentifier: ClientHandler] = [:]
    private var sweep: RepeatedTask?
    static let sweepInterval = TimeAmount.milliseconds(100)
    /// The access log: lines collect here and go to the sink in batches (at 32 KiB, on each sweep, when the last
    /// client leaves, at shutdown), so a request costs a few appends, not a write.
    private let accessSink: (any AccessLogSink)?
    private var accessLines = ByteBuffer()
    private var accessLine = AccessLogLine()
    static let accessBatchBytes = 32 * 1024

    struct DrainKey: Hashable {
        var service: String
        var id: Int
    }

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
        for route in configuration.routes where services[route.service] == nil {
            services[route.service] = makeService()
        }
    }

    private func makeService() -> ServiceState {
        seed &+= 1
        return ServiceState(balancer: UpstreamBalancer(policy: configuration.balance, seed: seed))
    }

    /// Applies a new configuration at once (`berth reload`): the routes with their limits and metrics, timeouts,
    /// limits, `access_log`, `trust_forwarded`... A request is matched against either the old table or the new
    /// one, never a mix; open connections use the new settings from their next request or timer on. The listen
    /// addresses (bound once) and the balance policy (the balancers hold it) stay as they were.
    func apply(_ new: GatewayConfiguration) {
        var new = new
        new.listen = configuration.listen
        new.balance = configuration.balance
        let routesChanged = new.routes != configuration.routes
        configuration = new
        guard routesChanged else { return }
        self.routes = RouteTable(new.routes)
        metrics = GatewayMetrics(routes: new.routes, factory: metricsFactory)
        metrics.clientConnections(clientConnections)
        for route in new.routes where services[route.service] == nil {
            services[route.service] = makeService()
        }
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
        totalNanoseconds: Int64, requestID: String
    ) {
        guard accessSink != nil else { return }
        accessLine.append(
            to: &accessLines, method: method, path: path, status: status, service: service, index: index,
            upstreamNanoseconds: upstreamNanoseconds, totalNanoseconds: totalNanoseconds, requestID: requestID)
        if accessLines.readableBytes >= Self.accessBatchBytes { flushAccessLog() }
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

    // MARK: Replica set, from the supervisor

    func replicaReady(service: String, id: Int, index: Int, port: Int, generation: Int) {
        services[service, default: makeService()].balancer.setReady(
            .init(id: id, port: port, generation: generation, index: index))
        wakeWaiters(service)
    }

    func replicaLeft(service: String, id: Int) {
        services[service]?.balancer.remove(id: id)
        for key in idle.keys where key.service == service && key.id == id {
            for handler in idle.removeValue(forKey: key) ?? [] { handler.close() }
        }
        checkDrained(service: service, id: id)
    }

    /// Out of rotation, and every exchange waiting on it is given up as if the replica had closed its connection.
    func replicaDied(service: String, id: Int) {
        replicaLeft(service: service, id: id)
        for client in Array(clients.values) { client.replicaDied(service: service, id: id) }
    }

    func setStarting(service: String, _ starting: Bool) {
        services[service, default: makeService()].starting = starting
        if !starting { failWaitersIfHopeless(service) }
    }

    /// Takes the replica out of rotation and succeeds once its in-flight requests have finished.
    func drain(service: String, id: Int) -> EventLoopFuture<Void> {
        replicaLeft(service: service, id: id)
        guard (services[service]?.balancer.inFlight(id: id) ?? 0) > 0 else {
            return eventLoop.makeSucceededVoidFuture()
        }
        let promise = eventLoop.makePromise(of: Void.self)
        drains[DrainKey(service: service, id: id), default: []].append(promise)
        return promise.futureResult
    }

    private func checkDrained(service: String, id: Int) {
        let key = DrainKey(service: service, id: id)
        guard let promises = drains[key], (services[service]?.balancer.inFlight(id: id) ?? 0) == 0 else { return }
        drains[key] = nil
        for promise in promises { promise.succeed() }
    }

    // MARK: Picking replicas

    func pick(service: String, excluding: Set<Int>) -> UpstreamBalancer.Replica? {
        services[service]?.balancer.pick(excluding: excluding, now: .now)
    }

    /// The tried replicas that are still the same process (same generation) as when they were tried.
    func stillTried(service: String, _ tried: [Int: Int]) -> Set<Int> {
        guard let balancer = services[service]?.balancer else { return Set(tried.keys) }
        return Set(tried.filter { id, generation in balancer.replica(id: id).map { $0.generation == generation } ?? true }.keys)
    }

    func started(service: String, id: Int) {
        services[service]?.balancer.started(id: id)
        rates[service, default: [:]][id, default: RateWindow()].record(at: .now())
    }

    /// A try on a replica ended; outcomes of an older generation (the replica restarted since) only lower its
    /// in-flight count.
    func finished(service: String, id: Int, generation: Int?, outcome: UpstreamBalancer.Outcome) {
        let ejection: UpstreamBalancer.Ejection?
        if let generation {
            ejection = services[service]?.balancer.finished(id: id, generation: generation, outcome: outcome, now: .now)
        } else {
            ejection = services[service]?.balancer.finished(id: id, outcome: outcome, now: .now)
        }
        if outcome.isFailure, let generation, let balancer = services[service]?.balancer,
            balancer.replica(id: id)?.generation == generation, let failureObserver
        {
            failureObserver(GatewayFailureReport(
                service: service, replica: id, generation: generation,
                consecutive: balancer.consecutiveFailures(id: id), outcome: outcome))
        }
        if let ejection {
            // Named by the replica index users see (`service.N`), not by its slot, which grows with every restart.
            let index = services[service]?.balancer.replica(id: id)?.index ?? id
            metrics.ejected(service: service)
            ejectionObserver?(service, index)
            let text = "replica \(service).\(index) ejected after \(ejection.consecutiveFailures) failed requests "
                + "in a row, for \(Self.text(ejection.cooldown))"
            logger.warning(
                "\(text)",
                metadata: ["event": "replica_ejected", "service": "\(service)", "replica": "\(index)"]
            )
        }
        checkDrained(service: service, id: id)
    }

    /// `1.5s`, `500ms`: a cool-down in words for the log.
    static func text(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return "\(Double(milliseconds) / 1000)s"
    }

    /// Whether a request for `service` should wait for a replica instead of failing at once.
    func canWait(service: String) -> Bool {
        services[service]?.starting ?? false
    }

    func wait(service: String, waiter: Waiter) {
        let id = ObjectIdentifier(waiter)
        services[service, default: makeService()].waiters[id] = waiter
        services[service]!.waitOrder.append(id)
        waiter.timeout = eventLoop.scheduleTask(deadline: waiter.deadline) { [weak self] in
            guard let self, let waiter = self.services[service]?.waiters.removeValue(forKey: id) else { return }
            self.services[service]!.waitOrder.removeAll { $0 == id }
            waiter.resume(nil)
        }
    }

    func cancelWait(service: String, waiter: Waiter) {
        let id = ObjectIdentifier(waiter)
        guard services[service]?.waiters.removeValue(forKey: id) != nil else { return }
        services[service]!.waitOrder.removeAll { $0 == id }
        waiter.timeout?.cancel()
    }

    private func wakeWaiters(_ service: String) {
        while let id = services[service]?.waitOrder.first {
            guard let replica = pick(service: service, excluding: []) else { return }
            services[service]!.waitOrder.removeFirst()
            guard let waiter = services[service]!.waiters.removeValue(forKey: id) else { continue }
            waiter.timeout?.cancel()
            waiter.resume(replica)
        }
    }

    private func failWaitersIfHopeless(_ service: String) {
        guard let state = services[service], state.balancer.readyCount == 0, !state.waitOrder.isEmpty else { return }
        let waiters = state.waitOrder.compactMap { state.waiters[$0] }
        services[service]!.waiters.removeAll()
        services[service]!.waitOrder.removeAll()
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.resume(nil)
        }
    }

    // MARK: Upstream connections

    /// A pooled idle connection to the replica, taken at once (no future, no closure: the common case of a
    /// keep-alive load); nil when the pool has none open.
    func takeIdle(_ key: UpstreamKey) -> UpstreamHandler? {
        while let handler = idle[key]?.popLast() {
            if !handler.isClosed { return handler }
        }
        return nil
    }

    /// A new connection to the replica (`takeIdle` first).
    func acquire(_ key: UpstreamKey) -> EventLoopFuture<UpstreamHandler> {
        if let handler = takeIdle(key) { return eventLoop.makeSucceededFuture(handler) }
        let loop = self
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(key: key, loop: loop))
                }
            }
            .connect(host: "127.0.0.1", port: key.port)
            .flatMapThrowing { channel in
                try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
            }
    }

    /// Returns a connection to the pool, or closes it when it cannot carry another request.
    func release(_ handler: UpstreamHandler, reusable: Bool) {
        handler.client = nil
        let replicaInRotation = services[handler.key.service]?.balancer.replica(id: handler.key.id) != nil
        guard reusable, !handler.isClosed, replicaInRotation,
            (idle[handler.key]?.count ?? 0) < configuration.maxIdlePerReplica
        else {
            handler.close()
            return
        }
        handler.setReading(true)  // Idle connections read, to notice a close by the replica at once.
        idle[handler.key, default: []].append(handler)
    }

    func forgetIdle(_ handler: UpstreamHandler) {
        idle[handler.key]?.removeAll { $0 === handler }
    }

    func closeAllIdle() {
        for handlers in idle.values { for handler in handlers { handler.close() } }
        idle.removeAll()
        flushAccessLog()
        accessSink?.close()
    }
}

extension GatewayLoop: @unchecked Sendable {}

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

