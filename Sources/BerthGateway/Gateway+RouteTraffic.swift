public import BerthGatewayCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The recent traffic of one route, one entry per second, oldest first; `second` is wall-clock (Unix) seconds.
public struct RouteTrafficSeries: Sendable, Equatable {
    public var route: String
    public var service: String
    public var seconds: [RouteWindow.Second]
}

extension Gateway {
    /// The last `count` complete seconds of every route (the current, unfinished second is left out).
    public func routeTraffic(lastSeconds count: Int) async -> [RouteTrafficSeries] {
        let state = self.state
        return (try? await eventLoop.submit { state.routeTraffic(lastSeconds: count) }.get()) ?? []
    }

    /// Calls `observer` (on the gateway's event loop) with the service and replica whenever the gateway takes a
    /// replica out of rotation after consecutive failures.
    public func onEjections(_ observer: @escaping @Sendable (String, Int) -> Void) {
        let state = self.state
        eventLoop.execute { state.ejectionObserver = observer }
    }
}

extension GatewayLoop {
    func routeTraffic(lastSeconds count: Int) -> [RouteTrafficSeries] {
        let monotonic = Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000_000)
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let offset = Int64(spec.tv_sec) - monotonic
        return metrics.windows.map { traffic in
            var seconds = traffic.window.series(endingAt: monotonic - 1, count: count)
            for index in seconds.indices { seconds[index].second += offset }
            return RouteTrafficSeries(route: traffic.route, service: traffic.service, seconds: seconds)
        }
    }
}
