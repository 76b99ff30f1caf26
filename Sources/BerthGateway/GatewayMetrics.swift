import BerthGatewayCore
public import CoreMetrics

/// The gateway's figures for `/metrics`: requests by route and status, their latency, retries, ejections and open
/// client connections.
///
/// Lives on the gateway's event loop like the rest of its state. The metric objects are made once per route (and
/// per status code the first time it is seen) and kept, indexed by the route's position in the route table, so a
/// request costs an array index, an integer lookup and two atomic updates: no route name is hashed.
final class GatewayMetrics {
    private struct RouteMetrics {
        let dimensions: [(String, String)]
        var responses: [Int: Counter] = [:]
        /// The counter of the status counted last (nearly always the same one): no dictionary lookup for it.
        var lastStatus = 0
        var lastResponses: Counter?
        let duration: Timer
        let retries: Counter
        /// Where the route's rolling window is in `windows` (kept apart so that updating it copies nothing).
        let window: Int
    }

    /// A route's rolling window, for the dashboard.
    struct RouteTraffic {
        let route: String
        let service: String
        var window: RouteWindow
    }

    private let factory: any MetricsFactory
    private var slots: [RouteMetrics] = []
    /// Each route's slot in `slots`, by its position in the route table (routes with one host and path share one).
    private var slotOfRoute: [Int] = []
    /// Each route's slot by host and path, for callers that have the route but not its index.
    private var slotOfKey: [RouteKey: Int] = [:]
    private let connections: Gauge
    private var ejections: [String: Counter] = [:]
    private(set) var windows: [RouteTraffic] = []

    init(routes: [RouteTable.Route], factory: any MetricsFactory) {
        self.factory = factory
        connections = Gauge(label: "berth_gateway_client_connections", factory: factory)
        for route in routes {
            if let slot = slotOfKey[RouteKey(route.host, route.path)] {
                slotOfRoute.append(slot)
                continue
            }
            slotOfKey[RouteKey(route.host, route.path)] = slots.count
            slotOfRoute.append(slots.count)
            windows.append(RouteTraffic(route: Self.routeLabel(route), service: route.service, window: RouteWindow()))
            let dimensions = [("service", route.service), ("route", Self.routeLabel(route))]
            slots.append(
                RouteMetrics(
                    dimensions: dimensions,
                    duration: Timer(
                        label: "berth_gateway_request_duration_seconds", dimensions: dimensions,
                        factory: factory),
                    retries: Counter(label: "berth_gateway_retries_total", dimensions: dimensions, factory: factory),
                    window: windows.count - 1
                ))
        }
    }

    /// `host/path` for host routes, the path alone otherwise.
    static func routeLabel(_ route: RouteTable.Route) -> String {
        route.host.map { "\($0)\(route.path)" } ?? route.path
    }

    /// One request on the route at `routeIndex` (in the route table) ended with `status` after `nanoseconds`,
    /// having been tried `attempts` times on replicas, in second `second` of the monotonic clock.
    func completed(routeIndex: Int, status: Int, nanoseconds: Int64, attempts: Int, second: Int64) {
        guard routeIndex < slotOfRoute.count else { return }
        completed(
            slot: slotOfRoute[routeIndex], status: status, nanoseconds: nanoseconds, attempts: attempts,
            second: second)
    }

    /// As above, for a caller that has the route but not its index (a dictionary lookup by host and path).
    func completed(route: RouteTable.Route, status: Int, nanoseconds: Int64, attempts: Int, second: Int64) {
        guard let slot = slotOfKey[RouteKey(route.host, route.path)] else { return }
        completed(slot: slot, status: status, nanoseconds: nanoseconds, attempts: attempts, second: second)
    }

    private func completed(slot: Int, status: Int, nanoseconds: Int64, attempts: Int, second: Int64) {
        // Fields read in place: a copy of the slot retained and released each of its arrays and handlers.
        windows[slots[slot].window].window.record(second: second, status: status, nanoseconds: nanoseconds)
        if status == slots[slot].lastStatus, let counter = slots[slot].lastResponses {
            counter.increment()
        } else if let counter = slots[slot].responses[status] {
            counter.increment()
            slots[slot].lastStatus = status
            slots[slot].lastResponses = counter
        } else {
            let counter = Counter(
                label: "berth_gateway_requests_total",
                dimensions: slots[slot].dimensions + [("code", String(status))], factory: factory)
            counter.increment()
            slots[slot].responses[status] = counter
            slots[slot].lastStatus = status
            slots[slot].lastResponses = counter
        }
        slots[slot].duration.recordNanoseconds(nanoseconds)
        if attempts > 1 { slots[slot].retries.increment(by: attempts - 1) }
    }

    func clientConnections(_ count: Int) {
        connections.record(count)
    }

    func ejected(service: String) {
        if let counter = ejections[service] {
            counter.increment()
            return
        }
        let counter = Counter(
            label: "berth_gateway_ejections_total", dimensions: [("service", service)],
            factory: factory)
        counter.increment()
        ejections[service] = counter
    }
}
