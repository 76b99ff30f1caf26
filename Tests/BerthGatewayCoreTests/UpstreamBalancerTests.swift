import BerthGatewayCore
import Testing

@Suite("Upstream balancing")
struct UpstreamBalancerTests {
    let t0 = ContinuousClock.now

    static func balancer(_ policy: UpstreamBalancer.Policy, replicas: Int = 3) -> UpstreamBalancer {
        var balancer = UpstreamBalancer(policy: policy, seed: 42)
        for id in 0..<replicas {
            balancer.setReady(.init(id: id, port: 18081 + id, generation: 1))
        }
        return balancer
    }

    func picks(_ balancer: inout UpstreamBalancer, _ count: Int, excluding: Set<Int> = []) -> [Int] {
        (0..<count).map { _ in balancer.pick(excluding: excluding, now: t0)?.id ?? -1 }
    }

    @Test func roundRobinCycles() {
        var balancer = Self.balancer(.roundRobin)
        #expect(picks(&balancer, 7) == [0, 1, 2, 0, 1, 2, 0])
        let picked1 = balancer.pick(now: t0)
        #expect(picked1?.port == 18082)
    }

    @Test func roundRobinFollowsTheReadySet() {
        var balancer = Self.balancer(.roundRobin)
        #expect(picks(&balancer, 2) == [0, 1])
        balancer.remove(id: 2)
        #expect(picks(&balancer, 3) == [0, 1, 0])
        balancer.setReady(.init(id: 2, port: 1, generation: 2))
        #expect(picks(&balancer, 3) == [1, 2, 0])
        #expect(balancer.readyCount == 3)
        #expect(balancer.readyReplicas.map(\.generation) == [1, 1, 2])
    }

    @Test func leastConnTakesTheMinimumAndRotatesTies() {
        var balancer = Self.balancer(.leastConn)
        balancer.started(id: 0)
        balancer.started(id: 0)
        balancer.started(id: 1)
        let picked2 = balancer.pick(now: t0)
        #expect(picked2?.id == 2)
        balancer.started(id: 2)
        let picked3 = balancer.pick(now: t0)
        #expect(picked3?.id == 1)
        balancer.finished(id: 0, outcome: .success, now: t0)
        balancer.finished(id: 0, outcome: .success, now: t0)
        #expect(balancer.inFlight(id: 0) == 0)
        let picked4 = balancer.pick(now: t0)
        #expect(picked4?.id == 0)
        balancer.started(id: 0)
        // All at one in flight: ties go round robin after the last pick.
        #expect(picks(&balancer, 3) == [1, 2, 0])
    }

    @Test func p2cPrefersFewerInFlight() {
        var balancer = Self.balancer(.p2c)
        for _ in 0..<5 { balancer.started(id: 0) }
        var counts = [0, 0, 0]
        for _ in 0..<300 {
            if let id = balancer.pick(now: t0)?.id { counts[id] += 1 }
        }
        // Replica 0 is only chosen when both draws hit it, which p2c never does (two distinct replicas).
        #expect(counts[0] == 0)
        #expect(counts[1] > 100)
        #expect(counts[2] > 100)
    }

    @Test(arguments: UpstreamBalancer.Policy.allCases)
    func distributionOverThreeReplicas(policy: UpstreamBalancer.Policy) {
        var balancer = Self.balancer(policy)
        var counts = [0, 0, 0]
        for _ in 0..<3000 {
            guard let id = balancer.pick(now: t0)?.id else { continue }
            counts[id] += 1
            balancer.started(id: id)
            balancer.finished(id: id, outcome: .success, now: t0)
        }
        #expect(counts.allSatisfy { $0 > 850 && $0 < 1150 }, "\(policy): \(counts)")
    }

    @Test(arguments: UpstreamBalancer.Policy.allCases)
    func exclusion(policy: UpstreamBalancer.Policy) {
        var balancer = Self.balancer(policy)
        for _ in 0..<20 {
            let picked5 = balancer.pick(excluding: [0, 2], now: t0)
            #expect(picked5?.id == 1)
        }
        let picked6 = balancer.pick(excluding: [0, 1, 2], now: t0)
        #expect(picked6 == nil)
        var empty = UpstreamBalancer(policy: policy, seed: 1)
        let picked7 = empty.pick(now: t0)
        #expect(picked7 == nil)
    }

    @Test func p2cIsReproducibleFromItsSeed() {
        var a = Self.balancer(.p2c)
        var b = Self.balancer(.p2c)
        #expect(picks(&a, 50) == picks(&b, 50))
    }

    @Test func ejectionAfterThreeFailuresAndGrowingCooldown() throws {
        var balancer = Self.balancer(.roundRobin)
        let ejection8 = balancer.finished(id: 1, outcome: .connectFailed, now: t0)
        #expect(ejection8 == nil)
        let ejection9 = balancer.finished(id: 1, outcome: .timedOut, now: t0)
        #expect(ejection9 == nil)
        let ejection10 = balancer.finished(id: 1, outcome: .resetBeforeResponse, now: t0)
        let first = try #require(ejection10)
        #expect(first.id == 1)
        #expect(first.cooldown == .seconds(1))
        #expect(first.consecutiveFailures == 3)
        #expect(balancer.ejected == [1: t0 + .seconds(1)])
        #expect(picks(&balancer, 4).allSatisfy { $0 != 1 })
        // Half-open after the cool-down: eligible again; another failure ejects for twice as long.
        let later = t0 + .milliseconds(1500)
        var halfOpen: [Int] = []
        for _ in 0..<3 { halfOpen.append(balancer.pick(now: later)?.id ?? -1) }
        #expect(halfOpen.contains(1))
        let ejection11 = balancer.finished(id: 1, outcome: .badResponse, now: later)
        let second = try #require(ejection11)
        #expect(second.cooldown == .seconds(2))
        var now = later
        var cooldowns: [Duration] = []
        for _ in 0..<6 {
            now = now + .seconds(60)
            let ejection = balancer.finished(id: 1, outcome: .connectFailed, now: now)
            cooldowns.append(try #require(ejection).cooldown)
        }
        #expect(cooldowns == [.seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
        // A success clears the record: the next ejection needs three failures and starts at 1 s again.
        balancer.finished(id: 1, outcome: .success, now: now + .seconds(60))
        #expect(balancer.ejected.isEmpty)
        #expect(balancer.consecutiveFailures(id: 1) == 0)
        let ejection12 = balancer.finished(id: 1, outcome: .connectFailed, now: now + .seconds(61))
        #expect(ejection12 == nil)
        let ejection13 = balancer.finished(id: 1, outcome: .connectFailed, now: now + .seconds(61))
        #expect(ejection13 == nil)
        let ejection14 = balancer.finished(id: 1, outcome: .connectFailed, now: now + .seconds(61))
        #expect(ejection14?.cooldown == .seconds(1))
    }

    @Test func failuresWhileEjectedDoNotExtendIt() {
        var balancer = Self.balancer(.roundRobin)
        for _ in 0..<3 { balancer.finished(id: 0, outcome: .connectFailed, now: t0) }
        let ejection15 = balancer.finished(id: 0, outcome: .connectFailed, now: t0 + .milliseconds(500))
        #expect(ejection15 == nil)
        #expect(balancer.ejected[0] == t0 + .seconds(1))
    }

    @Test func neverEjectsTheLastReplica() throws {
        var balancer = Self.balancer(.p2c, replicas: 2)
        for _ in 0..<3 { balancer.finished(id: 0, outcome: .connectFailed, now: t0) }
        #expect(balancer.ejected.keys.sorted() == [0])
        for _ in 0..<10 {
            let ejection16 = balancer.finished(id: 1, outcome: .connectFailed, now: t0)
            #expect(ejection16 == nil)
        }
        #expect(balancer.ejected.keys.sorted() == [0])
        let picked17 = balancer.pick(now: t0)
        #expect(picked17?.id == 1)
        var single = Self.balancer(.leastConn, replicas: 1)
        for _ in 0..<10 {
            let ejection = single.finished(id: 0, outcome: .timedOut, now: t0)
            #expect(ejection == nil)
        }
        let picked18 = single.pick(now: t0)
        #expect(picked18?.id == 0)
    }

    @Test func ejectedReplicaIsTriedWhenNothingElseIsLeft() {
        var balancer = Self.balancer(.roundRobin, replicas: 2)
        for _ in 0..<3 { balancer.finished(id: 0, outcome: .connectFailed, now: t0) }
        let picked19 = balancer.pick(excluding: [1], now: t0)
        #expect(picked19?.id == 0)
    }

    @Test func setReadyClearsEjection() {
        var balancer = Self.balancer(.roundRobin)
        for _ in 0..<3 { balancer.finished(id: 2, outcome: .connectFailed, now: t0) }
        #expect(balancer.ejected[2] != nil)
        balancer.setReady(.init(id: 2, port: 18083, generation: 2))
        #expect(balancer.ejected.isEmpty)
        #expect(balancer.consecutiveFailures(id: 2) == 0)
        #expect(picks(&balancer, 3).contains(2))
    }

    @Test func inFlightAccountingSurvivesRemoval() {
        var balancer = Self.balancer(.leastConn)
        balancer.started(id: 1)
        balancer.started(id: 1)
        balancer.remove(id: 1)
        #expect(balancer.readyCount == 2)
        #expect(balancer.inFlight(id: 1) == 2)
        #expect(picks(&balancer, 10).allSatisfy { $0 != 1 })
        // Outcomes of a replica that left rotation never eject anything.
        let ejection20 = balancer.finished(id: 1, outcome: .resetBeforeResponse, now: t0)
        #expect(ejection20 == nil)
        #expect(balancer.inFlight(id: 1) == 1)
        balancer.finished(id: 1, outcome: .success, now: t0)
        #expect(balancer.inFlight(id: 1) == 0)
        #expect(balancer.replica(id: 1) == nil)
        balancer.finished(id: 1, outcome: .success, now: t0)
        #expect(balancer.inFlight(id: 1) == 0)
    }

    @Test func outcomesOfAnOldGenerationAreNotHeldAgainstTheNewOne() {
        var balancer = Self.balancer(.roundRobin)
        for _ in 0..<3 { balancer.started(id: 0) }
        balancer.setReady(.init(id: 0, port: 18081, generation: 2))
        for _ in 0..<3 {
            let ejection21 = balancer.finished(id: 0, generation: 1, outcome: .resetBeforeResponse, now: t0)
            #expect(ejection21 == nil)
        }
        #expect(balancer.consecutiveFailures(id: 0) == 0)
        #expect(balancer.inFlight(id: 0) == 0)
    }

    /// A try that ended for the client's reasons neither counts as a failure nor clears the failures in a row.
    @Test func notJudgedOutcomesLeaveTheRecordAlone() {
        var balancer = Self.balancer(.roundRobin)
        for _ in 0..<2 {
            balancer.started(id: 0)
            balancer.finished(id: 0, outcome: .badResponse, now: t0)
        }
        balancer.started(id: 0)
        #expect(balancer.finished(id: 0, outcome: .notJudged, now: t0) == nil)
        #expect(balancer.consecutiveFailures(id: 0) == 2)
        #expect(balancer.inFlight(id: 0) == 0)
        balancer.started(id: 0)
        #expect(balancer.finished(id: 0, outcome: .badResponse, now: t0) != nil)  // the third in a row ejects
    }
}
