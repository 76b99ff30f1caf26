import BerthGatewayCore
import Testing

@Suite("Upstream pool")
struct UpstreamPoolTests {
    typealias Pool = UpstreamPool<Int, Int>
    let t0 = ContinuousClock.now
    let web0 = UpstreamBalancer.Replica(id: 0, port: 9000, generation: 1)

    func pool(maxIdle: Int = 2) -> Pool {
        var pool = Pool(policy: .roundRobin, settings: .init(queueTimeout: .seconds(5), maxIdlePerReplica: maxIdle))
        _ = pool.replicaReady(service: "web", web0, now: t0)
        return pool
    }

    @Test func idleConnectionsAreTakenSynchronouslyUpToTheLimit() {
        var pool = pool(maxIdle: 2)
        #expect(pool.release(1, service: "web", replica: web0, reusable: true).isEmpty)
        #expect(pool.release(2, service: "web", replica: web0, reusable: true).isEmpty)
        #expect(pool.release(3, service: "web", replica: web0, reusable: true) == [.close(3)])
        #expect(pool.release(4, service: "web", replica: web0, reusable: false) == [.close(4)])
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .leased(.init(replica: web0, connection: 2)))
        #expect(pool.balancer("web")!.inFlight(id: 0) == 1)
    }

    /// The shell keeps each route's service as an id, so that a request hashes no name: both name the same state.
    @Test func aServiceIDAndItsNameAreTheSameService() {
        var pool = pool()
        let web = pool.serviceID("web")
        #expect(pool.serviceID("web") == web)
        let api = pool.serviceID("api")
        #expect(api != web)
        #expect(pool.serviceNames.sorted() == ["api", "web"])
        #expect(pool.release(1, serviceID: web, replica: web0, reusable: true).isEmpty)
        #expect(pool.idleCount(.init(service: "web", id: 0)) == 1)
        #expect(pool.acquire(serviceID: web, waiter: 1, now: t0) == .leased(.init(replica: web0, connection: 1)))
        #expect(pool.balancer("web")!.inFlight(id: 0) == 1)
        #expect(pool.acquire(serviceID: api, waiter: 2, now: t0) == .unavailable(triedAny: false))
        #expect(pool.finished(serviceID: web, web0, outcome: .success, now: t0).isEmpty)
        #expect(pool.balancer("web")!.inFlight(id: 0) == 0)
        // A failure is reported under the service's name.
        let failed = pool.finished(serviceID: web, web0, outcome: .resetBeforeResponse, now: t0)
        #expect(
            failed.contains(
                .failed(
                    .init(service: "web", id: 0), generation: 1, consecutive: 1,
                    outcome: .resetBeforeResponse)))
    }

    @Test func aConnectionClosedByTheReplicaIsNotHandedOut() {
        var pool = pool()
        _ = pool.release(1, service: "web", replica: web0, reusable: true)
        pool.closed(1)
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .leased(.init(replica: web0, connection: nil)))
    }

    /// The shell says where it pooled the connection (no hashing of connections per request): only that one goes,
    /// and a place where it is not idle (taken meanwhile, or another replica) changes nothing.
    @Test func aConnectionClosedWhereItWasPooledIsForgottenThere() {
        var pool = pool(maxIdle: 4)
        let web = pool.serviceID("web")
        let web1 = UpstreamBalancer.Replica(id: 1, port: 9001, generation: 1)
        _ = pool.replicaReady(service: "web", web1, now: t0)
        _ = pool.release(1, serviceID: web, replica: web0, reusable: true)
        _ = pool.release(2, serviceID: web, replica: web0, reusable: true)
        _ = pool.release(3, serviceID: web, replica: web1, reusable: true)
        pool.closed(1, serviceID: web, replicaID: 1)  // Not idle there: ignored.
        pool.closed(9, serviceID: web, replicaID: 0)  // Never pooled: ignored.
        pool.closed(1, serviceID: 7, replicaID: 0)  // No such service: ignored.
        #expect(pool.idleCount(.init(service: "web", id: 0)) == 2)
        pool.closed(2, serviceID: web, replicaID: 0)
        #expect(pool.idleCount(.init(service: "web", id: 0)) == 1)
        #expect(pool.idleCount(.init(service: "web", id: 1)) == 1)
        #expect(pool.acquire(serviceID: web, waiter: 1, now: t0) == .leased(.init(replica: web0, connection: 1)))
        pool.closed(3, serviceID: web, replicaID: 1)
        #expect(pool.idleCount(.init(service: "web", id: 1)) == 0)
        #expect(pool.acquire(serviceID: web, waiter: 2, now: t0) == .leased(.init(replica: web1, connection: nil)))
    }

    /// Idle lists are kept per replica id (`UpstreamPool.IdleLists`): a replica leaving closes only its own, its
    /// list starts empty when it comes back, and shutdown takes every one left.
    @Test func idleConnectionsStayWithTheirReplicaUntilItLeavesOrShutdown() {
        var pool = pool(maxIdle: 4)
        let web1 = UpstreamBalancer.Replica(id: 1, port: 9001, generation: 1)
        let api0 = UpstreamBalancer.Replica(id: 0, port: 9100, generation: 1)
        _ = pool.replicaReady(service: "web", web1, now: t0)
        _ = pool.replicaReady(service: "api", api0, now: t0)
        _ = pool.release(1, service: "web", replica: web0, reusable: true)
        _ = pool.release(2, service: "web", replica: web1, reusable: true)
        _ = pool.release(3, service: "web", replica: web1, reusable: true)
        _ = pool.release(4, service: "api", replica: api0, reusable: true)
        #expect(pool.replicaLeft(service: "web", id: 1) == [.close(2), .close(3)])
        #expect(pool.idleCount(.init(service: "web", id: 1)) == 0)
        #expect(pool.idleCount(.init(service: "web", id: 0)) == 1)
        _ = pool.replicaReady(service: "web", web1, now: t0)
        #expect(pool.idleCount(.init(service: "web", id: 1)) == 0)
        _ = pool.release(5, service: "web", replica: web1, reusable: true)
        #expect(pool.takeAllIdle().sorted() == [1, 4, 5])
        #expect(pool.idleCount(.init(service: "web", id: 0)) == 0)
        #expect(pool.idleCount(.init(service: "api", id: 0)) == 0)
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .leased(.init(replica: web0, connection: nil)))
    }

    @Test func aRestartedReplicaDoesNotGetTheOldProcesssConnections() {
        var pool = pool()
        _ = pool.release(1, service: "web", replica: web0, reusable: true)
        let restarted = UpstreamBalancer.Replica(id: 0, port: 9100, generation: 2)
        _ = pool.replicaReady(service: "web", restarted, now: t0)
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .leased(.init(replica: restarted, connection: nil)))
        // And a connection of the old process is closed when it comes back.
        #expect(pool.release(2, service: "web", replica: web0, reusable: true) == [.close(2)])
    }

    @Test func aReplicaLeavingClosesItsIdleConnections() {
        var pool = pool()
        _ = pool.release(1, service: "web", replica: web0, reusable: true)
        #expect(pool.replicaLeft(service: "web", id: 0) == [.close(1)])
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .unavailable(triedAny: false))
    }

    @Test func waitersAreServedInOrderAndExpire() {
        var pool = Pool(policy: .roundRobin, settings: .init(queueTimeout: .seconds(5)))
        _ = pool.setStarting(service: "web", true)
        #expect(pool.acquire(service: "web", waiter: 1, now: t0) == .queued(until: Moment(t0 + .seconds(5))))
        #expect(
            pool.acquire(service: "web", waiter: 2, now: t0 + .seconds(1)) == .queued(until: Moment(t0 + .seconds(6))))
        #expect(pool.nextDeadline == t0 + .seconds(5))
        #expect(pool.expireWaiters(now: t0 + .seconds(5)) == [.timedOut(1)])
        let actions = pool.replicaReady(service: "web", web0, now: t0 + .seconds(5))
        #expect(actions == [.resume(2, .init(replica: web0, connection: nil))])
        #expect(pool.waiterCount("web") == 0)
    }

    @Test func aRetryWaiterDoesNotHoldUpOthers() {
        var pool = Pool(policy: .roundRobin, settings: .init())
        _ = pool.setStarting(service: "web", true)
        _ = pool.acquire(service: "web", tried: [0: 1], waiter: 1, now: t0)
        _ = pool.acquire(service: "web", waiter: 2, now: t0)
        let actions = pool.replicaReady(service: "web", web0, now: t0)
        #expect(actions == [.resume(2, .init(replica: web0, connection: nil))])
        #expect(pool.waiterCount("web") == 1)
    }

    @Test func failuresAreReportedAndEjectOnlyWithAnotherReplicaLeft() {
        var pool = pool()
        let web1 = UpstreamBalancer.Replica(id: 1, port: 9001, generation: 1, index: 1)
        _ = pool.replicaReady(service: "web", web1, now: t0)
        var actions: [Pool.Action] = []
        for _ in 0..<3 {
            _ = pool.balancer("web")  // keep the pick order irrelevant: finish tries on replica 1 directly
            actions = pool.finished(service: "web", web1, outcome: .resetBeforeResponse, now: t0)
        }
        #expect(
            actions.first
                == .failed(
                    .init(service: "web", id: 1), generation: 1, consecutive: 3,
                    outcome: .resetBeforeResponse))
        guard case .ejected(let key, let index, let ejection) = actions.last else {
            Issue.record("no ejection")
            return
        }
        #expect(key.id == 1 && index == 1 && ejection.cooldown == .seconds(1))
        #expect(pool.finished(service: "web", web0, outcome: .notJudged, now: t0).isEmpty)
    }

    @Test func aDrainOfAnIdleReplicaEndsAtOnce() {
        var pool = pool()
        #expect(pool.drain(service: "web", id: 0) == [.drained(.init(service: "web", id: 0))])
    }

    @Test func pickStartedAndWaitServeCallersWithTheirOwnConnections() {
        var pool = Pool(policy: .roundRobin, settings: .init(queueTimeout: .seconds(2)))
        _ = pool.setStarting(service: "web", true)
        #expect(pool.canWait(service: "web"))
        #expect(pool.pick(service: "web", excluding: [], now: t0) == nil)
        #expect(pool.wait(service: "web", waiter: 7, now: t0) == t0 + .seconds(2))
        #expect(pool.replicaReady(service: "web", web0, now: t0) == [.resume(7, .init(replica: web0, connection: nil))])
        #expect(pool.pick(service: "web", excluding: [], now: t0) == web0)
        pool.started(service: "web", id: 0)
        #expect(pool.balancer("web")!.inFlight(id: 0) == 2)
    }

    @Test func pickAndStartedByServiceIDCountOnThatServiceOnly() {
        var pool = Pool(policy: .roundRobin, settings: .init(queueTimeout: .seconds(2)))
        let web = pool.serviceID("web")
        let api = pool.serviceID("api")
        #expect(pool.pick(serviceID: web, excluding: [], now: t0) == nil)
        _ = pool.replicaReady(service: "web", web0, now: t0)
        #expect(pool.pick(serviceID: api, excluding: [], now: t0) == nil)
        #expect(pool.pick(serviceID: web, excluding: [0], now: t0) == nil)
        #expect(pool.pick(serviceID: web, excluding: [], now: t0) == web0)
        pool.started(serviceID: web, id: 0)
        #expect(pool.balancer("web")!.inFlight(id: 0) == 1)
        #expect(pool.finished(serviceID: web, web0, outcome: .success, now: t0).isEmpty)
        #expect(pool.balancer("web")!.inFlight(id: 0) == 0)
    }
}
