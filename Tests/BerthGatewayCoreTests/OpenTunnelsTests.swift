import BerthGatewayCore
import Testing

/// A drain waits for the replica's tunnels (WebSocket and other 101 upgrades) as it waits for its requests (issue 14).
@Suite("Open tunnels")
struct OpenTunnelsTests {
    typealias Tunnels = OpenTunnels<Int>
    let web0 = Tunnels.Replica(service: "web", id: 0)
    let web1 = Tunnels.Replica(service: "web", id: 1)

    @Test func aDrainWithoutTunnelsIsCompleteWhenItsRequestsAre() {
        var tunnels = Tunnels()
        tunnels.opened(1, on: web1)
        #expect(tunnels.requestsDrained(web0))
        #expect(tunnels.count(web0) == 0)
    }

    @Test func aDrainWaitsForTheLastTunnelToClose() {
        var tunnels = Tunnels()
        tunnels.opened(1, on: web0)
        tunnels.opened(2, on: web0)
        tunnels.opened(3, on: web1)
        #expect(!tunnels.requestsDrained(web0))
        #expect(tunnels.closed(1) == nil)
        #expect(tunnels.closed(3) == nil, "another replica's tunnel")
        #expect(tunnels.closed(2) == web0, "the last one completes the drain")
        #expect(tunnels.count(web0) == 0)
        #expect(tunnels.closed(2) == nil, "a second close of one client counts once")
    }

    @Test func closingATunnelOutsideADrainCompletesNothing() {
        var tunnels = Tunnels()
        tunnels.opened(1, on: web0)
        #expect(tunnels.closed(1) == nil)
        #expect(tunnels.closed(9) == nil, "never a tunnel")
        #expect(tunnels.requestsDrained(web0))
    }
}
