import BerthGatewayCore
import BerthGatewayHTTP2
import Logging
import NIOCore

/// The HTTP/2 side reaches routes, balancers, request ids, metrics and the access log through this seam, so that
/// HTTP/2 streams count, drain and eject exactly like HTTP/1.1 requests.
extension GatewayLoop: HTTP2Backend {
    /// The HTTP/2 settings of `configuration` (kept in `http2Settings`: every call's stream reads them).
    static func http2Settings(_ configuration: GatewayConfiguration) -> HTTP2GatewaySettings {
        var settings = HTTP2GatewaySettings()
        let limits = configuration.http2
        settings.maxHeaderListSize = limits.maxHeaderListSize ?? configuration.limits.maxHeadBytes
        settings.maxConcurrentStreams = limits.maxConcurrentStreams
        settings.headerTableSize = limits.headerTableSize
        settings.streamWindow = limits.initialWindow
        // The connection's window holds at least one full stream window.
        settings.connectionWindow = max(settings.connectionWindow, limits.initialWindow)
        settings.maxResets = limits.maxResets
        settings.resetWindow = TimeAmount(limits.resetWindow)
        settings.idleTimeout = TimeAmount(configuration.idleTimeout)
        settings.headerTimeout = TimeAmount(configuration.headerTimeout)
        settings.sendTimeout = TimeAmount(configuration.sendTimeout)
        settings.bodyTimeout = TimeAmount(configuration.bodyTimeout)
        settings.queueTimeout = TimeAmount(configuration.queueTimeout)
        return settings
    }

    func http2Route(host: String?, path: String) -> (route: HTTP2Route, upstreamPath: String)? {
        guard let (index, target) = routes.matchIndex(host: host, target: path) else { return nil }
        return (http2Routes[index], target)
    }

    /// Each route of the table as the HTTP/2 side takes it (see `http2Routes`), by position; `table` numbers the
    /// route table they index.
    static func http2Routes(
        _ routes: RouteTable, table: Int, serviceIDs: [ServiceID], configuration: GatewayConfiguration
    ) -> [HTTP2Route] {
        routes.routes.enumerated().map { index, route in
            HTTP2Route(
                route: route, index: index, table: table, serviceID: serviceIDs[index],
                routeName: GatewayMetrics.routeLabel(route),
                upstreamProtocol: configuration.upstreamProtocols[route.service] ?? .http1,
                timeout: route.timeout ?? configuration.upstreamTimeout,
                retries: route.retries ?? configuration.retries)
        }
    }

    func isInRotation(service: String, id: Int, generation: Int) -> Bool {
        guard let balancer = pool.balancer(service) else { return false }
        return balancer.readyReplicas.contains { $0.id == id && $0.generation == generation }
    }

    // By the route's service id, not its name: the pool's look-ups by name (one hash per pick, two at the start and
    // two at the end of each call, with a copy of the balancer) were ~2k instructions per call.
    func pick(_ route: HTTP2Route, excluding: Set<Int>) -> UpstreamBalancer.Replica? {
        pool.pick(serviceID: route.serviceID, excluding: excluding, now: .now)
    }

    func started(_ route: HTTP2Route, replica: UpstreamBalancer.Replica) {
        pool.started(serviceID: route.serviceID, id: replica.id)
        recordStart(serviceID: route.serviceID, id: replica.id)
    }

    func finished(_ route: HTTP2Route, replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome) {
        finished(service: route.serviceID, replica, outcome: outcome)
    }

    func waitForReplica(service: String, _ resume: @escaping (UpstreamBalancer.Replica?) -> Void) -> Bool {
        guard canWait(service: service) else { return false }
        let deadline = NIODeadline.now() + TimeAmount(configuration.queueTimeout)
        wait(service: service, waiter: Waiter(deadline: deadline, resume: resume))
        return true
    }

    func nextRequestID() -> RequestID { requestIDs.nextID() }

    func logHTTP2Access(_ entry: HTTP2AccessEntry) {
        if let route = entry.route {
            let second = Int64(entry.endedAt.uptimeNanoseconds / 1_000_000_000)
            if route.table == routeTable {
                metrics.completed(
                    routeIndex: route.index, status: entry.status, nanoseconds: entry.totalNanoseconds,
                    attempts: entry.attempts, second: second)
            } else {
                // Matched before a reload: its index may name another route in the new table.
                metrics.completed(
                    route: route.route, status: entry.status, nanoseconds: entry.totalNanoseconds,
                    attempts: entry.attempts, second: second)
            }
        }
        guard configuration.accessLog else { return }
        logAccess(
            method: entry.method, path: entry.path, status: entry.status, service: entry.service,
            index: entry.replicaIndex, upstreamNanoseconds: entry.upstreamNanoseconds,
            totalNanoseconds: entry.totalNanoseconds, requestID: entry.requestID, grpcStatus: entry.grpcStatus)
    }
}
