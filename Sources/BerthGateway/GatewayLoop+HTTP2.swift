import BerthGatewayCore
import BerthGatewayHTTP2
import Logging
import NIOCore

/// The HTTP/2 side reaches routes, balancers, request ids, metrics and the access log through this seam, so that
/// HTTP/2 streams count, drain and eject exactly like HTTP/1.1 requests.
extension GatewayLoop: HTTP2Backend {
    var http2Settings: HTTP2GatewaySettings {
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
        settings.sendTimeout = TimeAmount(configuration.sendTimeout)
        settings.queueTimeout = TimeAmount(configuration.queueTimeout)
        return settings
    }

    func http2Route(host: String?, path: String) -> HTTP2Route? {
        guard let match = routes.match(host: host, target: path) else { return nil }
        let route = match.route
        let target = match.upstreamTarget
        return HTTP2Route(
            route: route, routeName: GatewayMetrics.routeLabel(route), upstreamPath: target,
            upstreamProtocol: configuration.upstreamProtocols[route.service] ?? .http1,
            timeout: route.timeout ?? configuration.upstreamTimeout,
            retries: route.retries ?? configuration.retries)
    }

    func isInRotation(service: String, id: Int, generation: Int) -> Bool {
        guard let balancer = pool.balancer(service) else { return false }
        return balancer.readyReplicas.contains { $0.id == id && $0.generation == generation }
    }

    func finished(service: String, id: Int, generation: Int, outcome: UpstreamBalancer.Outcome) {
        finished(service: service, id: id, generation: Optional(generation), outcome: outcome)
    }

    func waitForReplica(service: String, _ resume: @escaping (UpstreamBalancer.Replica?) -> Void) -> Bool {
        guard canWait(service: service) else { return false }
        let deadline = NIODeadline.now() + TimeAmount(configuration.queueTimeout)
        wait(service: service, waiter: Waiter(deadline: deadline, resume: resume))
        return true
    }

    func nextRequestID() -> String { requestIDs.next() }

    func logHTTP2Access(_ entry: HTTP2AccessEntry) {
        let now = NIODeadline.now()
        if let route = entry.route {
            metrics.completed(
                route: route, status: entry.status, nanoseconds: entry.totalNanoseconds, attempts: entry.attempts,
                second: Int64(now.uptimeNanoseconds / 1_000_000_000))
        }
        guard configuration.accessLog else { return }
        logAccess(
            method: entry.method, path: entry.path, status: entry.status, service: entry.service,
            index: entry.replicaIndex, upstreamNanoseconds: entry.upstreamNanoseconds,
            totalNanoseconds: entry.totalNanoseconds, requestID: entry.requestID, grpcStatus: entry.grpcStatus)
    }
}
