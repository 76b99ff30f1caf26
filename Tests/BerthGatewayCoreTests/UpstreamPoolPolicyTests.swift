import BerthGatewayCore
import Testing

/// `berth reload` changes `balance` in place (issue 14): what the balancers track must survive the switch.
@Suite("Upstream pool: balance changed by reload")
struct UpstreamPoolPolicyTests {
    typealias Pool = UpstreamPool<Int, Int>
    let t0 = ContinuousClock.now
    let web0 = UpstreamBalancer.Replica(id: 0, port: 9000, generation: 1)
    let web1 = UpstreamBalancer.Replica(id: 1, port: 9001, generation: 1)

    func leased(_ acquired: Pool.Acquired) -> Int? {
        if case .leased(let lease) = acquired { return lease.replica.id }
        return nil
    }

    @Test func theNewPolicyPicksFromTheNextRequestAndInFlightCountsCarryOver() {
        var pool = Pool(policy: .roundRobin, settings: .init())
        _ = pool.replicaReady(service: "web", web0, now: t0)
        _ = pool.replicaReady(service: "web", web1, now: t0)
        // Round robin: 0, 1, 0 (two requests now in flight on replica 0).
        #expect([1, 2, 3].map { leased(pool.acquire(service: "web", waiter: $0, now: t0)) } == [0, 1, 0])
        pool.setPolicy(.leastConn)
        #expect(pool.policy == .leastConn)
        #expect(pool.balancer("web")!.policy == .leastConn)
        #expect(pool.balancer("web")!.inFlight(id: 0) == 2)
        // Least in flight: replica 1 (one in flight) twice in a row, which round robin would never pick.
        #expect(leased(pool.acquire(service: "web", waiter: 4, now: t0)) == 1)
        _ = pool.finished(service: "web", web1, outcome: .success, now: t0)
        #expect(leased(pool.acquire(service: "web", waiter: 5, now: t0)) == 1)
        // A service routed later gets the new policy too.
        pool.declare(service: "api")
        #expect(pool.balancer("api")!.policy == .leastConn)
    }

    @Test func aDrainStartedBeforeTheSwitchStillWaitsForItsRequests() {
        var pool = Pool(policy: .p2c, settings: .init())
        _ = pool.replicaReady(service: "web", web0, now: t0)
        #expect(leased(pool.acquire(service: "web", waiter: 1, now: t0)) == 0)
        #expect(pool.drain(service: "web", id: 0).isEmpty)
        pool.setPolicy(.roundRobin)
        let key = Pool.ReplicaKey(service: "web", id: 0)
        #expect(pool.isDraining(key))
        #expect(pool.finished(service: "web", web0, outcome: .success, now: t0) == [.drained(key)])
    }
}
