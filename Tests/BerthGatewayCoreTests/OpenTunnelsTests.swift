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
        let drained = tunnels.requestsDrained(web0)
        #expect(drained)
        #expect(tunnels.count(web0) == 0)
    }

    @Test func aDrainWaitsForTheLastTunnelToClose() {
        var tunnels = Tunnels()
        tunnels.opened(1, on: web0, index: 4)
        tunnels.opened(2, on: web0)
        tunnels.opened(3, on: web1)
        #expect(tunnels.index(web0) == 4)
        let drained = tunnels.requestsDrained(web0)
        #expect(!drained)
        let first = tunnels.closed(1)
        #expect(first == nil)
        let other = tunnels.closed(3)
        #expect(other == nil, "another replica's tunnel")
        let last = tunnels.closed(2)
        #expect(last == web0, "the last one completes the drain")
        #expect(tunnels.count(web0) == 0)
        #expect(tunnels.index(web0) == nil, "forgotten with its last tunnel")
        let again = tunnels.closed(2)
        #expect(again == nil, "a second close of one client counts once")
    }

    @Test func closingATunnelOutsideADrainCompletesNothing() {
        var tunnels = Tunnels()
        tunnels.opened(1, on: web0)
        let closed = tunnels.closed(1)
        #expect(closed == nil)
        let never = tunnels.closed(9)
        #expect(never == nil, "never a tunnel")
        let drained = tunnels.requestsDrained(web0)
        #expect(drained)
    }
}
