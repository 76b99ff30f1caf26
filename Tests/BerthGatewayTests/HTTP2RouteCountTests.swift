import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// An HTTP/2 call is counted on its route by the route's position in the table it was matched in (no name hashed at
/// its end); a call that outlives a reload which moved the routes is counted by its route's name, not by its old
/// position in the new table.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HTTP2RouteCountTests {
    static let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n".utf8)

    /// Requests per route over the dashboard's window, once `route` has counted `expected` (the window gives
    /// complete seconds only: waits for the call's second to end, up to 10 s).
    static func counts(_ gateway: Gateway, waitingFor route: String, _ expected: Int) async -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<200 {
            let series = await gateway.routeTraffic(lastSeconds: 30)
            counts = Dictionary(series.map { ($0.route, $0.seconds.reduce(0) { $0 + $1.requests }) }) { $0 + $1 }
            if counts[route, default: 0] >= expected { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return counts
    }

    @Test func aCallIsCountedOnItsRouteAlsoWhenAReloadMovedTheRoutesMeanwhile() async throws {
        let held = Atomic<Bool>(false)
        let upstream = try ScriptedUpstream { line in
            // `/b/slow` is answered once the test lets it go (up to 5 s): the reload happens while it is open.
            if line.contains("/slow") {
                for _ in 0..<500 where !held.load(ordering: .relaxed) { usleep(10_000) }
            }
            return Self.answer
        }
        defer { upstream.stop() }
        var configuration = GatewayConfiguration(listen: [], routes: [])
        let gateway = try await RunningGateway(routes: [route("/a", "web"), route("/b", "web")]) {
            configuration = $0
        }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port

        let first = try await onThread { try HTTP2AuditTests.http2Get(port: port, path: "/b/1", through: "ok\n") }
        #expect(first != nil)
        let before = await Self.counts(gateway.gateway, waitingFor: "/b", 1)
        #expect(before["/b"] == 1 && before["/a", default: 0] == 0, "\(before)")

        // A call to /b (position 1) still open while a reload puts /c first: /b is at position 2, /a at 1.
        let slow = Task {
            try await onThread { try HTTP2AuditTests.http2Get(port: port, path: "/b/slow", through: "ok\n") }
        }
        for _ in 0..<500 where !upstream.requests.contains(where: { $0.contains("/slow") }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(upstream.requests.contains { $0.contains("/slow") }, "the slow call never reached the replica")
        configuration.routes = [route("/c", "web"), route("/a", "web"), route("/b", "web")]
        configuration.listen = []
        await gateway.gateway.replaceRoutes(from: configuration)
        held.store(true, ordering: .relaxed)
        #expect(try await slow.value != nil)
        let after = await Self.counts(gateway.gateway, waitingFor: "/b", 1)
        #expect(after["/b"] == 1 && after["/a", default: 0] == 0 && after["/c", default: 0] == 0, "\(after)")

        // A call matched in the new table is counted by its new position.
        let third = try await onThread { try HTTP2AuditTests.http2Get(port: port, path: "/b/3", through: "ok\n") }
        #expect(third != nil)
        let last = await Self.counts(gateway.gateway, waitingFor: "/b", 2)
        #expect(last["/b"] == 2 && last["/a", default: 0] == 0 && last["/c", default: 0] == 0, "\(last)")
        await gateway.stop()
    }
}
