import BerthControlProtocol
import BerthGateway
import BerthSupervisor
import Glibc
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Publishes a `rates` event once a second while anyone follows the events: the last complete second of every
/// gateway route (the dashboard's charts and `berth status --watch` redraw on it). With nobody following it sleeps
/// until someone subscribes, instead of waking every second for nothing (issue 16's idle CPU).
struct EventTicker: Service {
    let events: EventHub
    let gateway: Gateway?

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await tick() }
    }

    private func tick() async throws {
        while !Task.isCancelled {
            if !events.hasSubscribers {
                await events.subscribed.wait(until: nil)
                continue
            }
            try await Task.sleep(for: .seconds(1))
            guard events.hasSubscribers else { continue }
            var points: [RoutePoint] = []
            if let gateway {
                for series in await gateway.routeTraffic(lastSeconds: 1) {
                    points += series.seconds.map { RoutePoint(series, $0) }
                }
            }
            events.publish(
                DaemonEvent(time: Date().timeIntervalSince1970, kind: .rates, message: "", routes: points))
        }
    }
}
