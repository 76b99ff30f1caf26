import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A drain waits for the replica's tunnels as for its requests (issue 14): after the 101 the try has ended for the
/// balancer, but stopping the replica would cut the tunnel. Real sockets, the fixture's `/upgrade` echo tunnel.
@Suite("Gateway draining", .serialized)
struct GatewayDrainTests {
    /// A tunnel's client connection, used from one thread at a time (each `onThread` in turn).
    final class Tunnel: @unchecked Sendable {
        let client: TestHTTPConnection

        /// Opens a tunnel through the gateway and checks it echoes.
        init(port: Int) throws {
            client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            guard try client.readResponse().status == 101 else {
                throw TestHTTPConnection.Failure(description: "no 101")
            }
            try echo("ping")
        }

        func echo(_ text: String) throws {
            try client.send(text)
            _ = try client.read(through: text)
        }
    }

    @Test func aDrainWaitsForAnOpenTunnelUntilItCloses() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        let port = gateway.port
        let tunnel = try await onThread { try Tunnel(port: port) }
        let started = ContinuousClock.now
        let running = gateway.gateway
        let drain = Task {
            await running.drain(service: "web", replica: 0, timeout: .seconds(20))
            return ContinuousClock.now
        }
        try await Task.sleep(for: .seconds(1))
        // Still draining, and the tunnel still works.
        try await onThread { try tunnel.echo("still there") }
        let closedAt = ContinuousClock.now
        try await onThread { shutdown(tunnel.client.fd, Int32(SHUT_RDWR)) }
        let drainedAt = await drain.value
        #expect(drainedAt >= closedAt, "drained \(closedAt - drainedAt) before the tunnel closed")
        #expect(drainedAt - started >= .seconds(1))
        let afterClose = drainedAt - closedAt
        #expect(afterClose < .seconds(5), "the drain ends with the last tunnel, not at its timeout: \(afterClose)")
        await gateway.stop()
    }

    @Test func aDrainWithoutTunnelsEndsAtOnceAndOneWithATunnelAtItsTimeout() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log)
        await gateway.ready("web", ports: try fixtures.start(2))
        let port = gateway.port
        // Round robin is not set: whichever replica took the tunnel, the other has none.
        let tunnel = try await onThread { try Tunnel(port: port) }
        let traffic = await gateway.gateway.traffic()
        #expect(traffic["web"]?.values.map(\.inFlight).reduce(0, +) == 0, "a tunnel is not a request in flight")
        var durations: [Duration] = []
        for replica in [0, 1] {
            let started = ContinuousClock.now
            await gateway.gateway.drain(service: "web", replica: replica, timeout: .seconds(2))
            durations.append(ContinuousClock.now - started)
        }
        // "At once" is anything short of the 2 s timeout the other drain waits (500 ms could be overrun under load).
        #expect(durations.filter { $0 < .seconds(2) }.count == 1, "the replica without a tunnel: \(durations)")
        #expect(durations.filter { $0 >= .seconds(2) }.count == 1, "the one with it, bounded: \(durations)")
        let said = log.all.filter { $0.metadata["event"] == "drain_timeout" }
        #expect(said.count == 1, "only the drain that timed out is logged")
        #expect(said.first?.metadata["tunnels"] == "1" && said.first?.metadata["requests"] == "0")
        #expect(said.first?.message.contains("open tunnels after its stop timeout (2s)") == true, "\(said)")
        #expect(said.first?.message.hasPrefix("web.") == true, "named by its index: \(said)")
        // The gateway does not cut the tunnel itself: stopping the replica does.
        try await onThread { try tunnel.echo("after the drain") }
        await gateway.stop()
    }
}
