import BerthManifest
import BerthSupervisorCore
import CoreMetrics
import Synchronization
import Testing

@testable import BerthSupervisor

/// When a replica's `ready` and `health` probes share one exchange (`ProbeExchange`), and what a shared chain feeds
/// each of them (`ProbeChain`).
@Suite("Probe exchanges: identical steady probes share one request")
struct ProbeExchangeTests {
    static let http = ProbeSpec(check: .http(path: "/"), interval: .seconds(1), timeout: .seconds(1))

    static func exchange(
        _ spec: ProbeSpec, port: Int? = 8000, incarnation: Int = 1, steady: Duration? = .seconds(1)
    )
        -> ProbeExchange?
    {
        ProbeExchange(spec: spec, port: port, incarnation: incarnation, steadyInterval: steady)
    }

    @Test func equalRequestsShareWhateverTheirThresholdsAndDelays() throws {
        var health = Self.http
        health.failureThreshold = 7
        health.successThreshold = 2
        health.initialDelay = .seconds(30)
        let ready = try #require(Self.exchange(Self.http))
        #expect(Self.exchange(health) == ready)
        let tcp = ProbeSpec(check: .tcp, interval: .seconds(1), timeout: .seconds(1))
        #expect(Self.exchange(tcp) == Self.exchange(tcp))
    }

    @Test func anyDifferenceInTheRequestOrItsPeriodSplitsThem() {
        let ready = Self.exchange(Self.http)
        var other = Self.http
        other.check = .http(path: "/healthz")
        #expect(Self.exchange(other) != ready, "another path")
        other = Self.http
        other.check = .tcp
        #expect(Self.exchange(other) != ready, "another kind of check")
        other = Self.http
        other.keepAlive = false
        #expect(Self.exchange(other) != ready, "keepalive: false")
        #expect(Self.exchange(Self.http, port: 8001) != ready, "another port")
        #expect(Self.exchange(Self.http, incarnation: 2) != ready, "another process")
        #expect(Self.exchange(Self.http, steady: .seconds(2)) != ready, "another period")
    }

    /// The defaults differ (ready's timeout 1s, health's 2s): a user who sets only `interval` on both still gets one
    /// request a period. The round waits for the longest timeout; each member judges the answer by its own.
    @Test func differentTimeoutsShareAndEachJudgesByItsOwn() {
        var health = Self.http
        health.timeout = .seconds(2)
        #expect(Self.exchange(health) == Self.exchange(Self.http))
        let late = ProbeChain.judge(success: true, detail: "", duration: .milliseconds(1500), timeout: .seconds(1))
        #expect(late.success == false)
        #expect(late.detail == "timed out after 1s")
        let inTime = ProbeChain.judge(
            success: true, detail: "", duration: .milliseconds(1500), timeout: .seconds(2))
        #expect(inTime.success == true)
        let failed = ProbeChain.judge(
            success: false, detail: "HTTP 500", duration: .milliseconds(10), timeout: .seconds(2))
        #expect(failed.success == false && failed.detail == "HTTP 500")
    }

    @Test func aProbeWhoseResultsTheMachineMustHearNeverShares() {
        #expect(Self.exchange(Self.http, steady: nil) == nil)
        for check in [ProbeSpec.Check.exec(["true"]), .grpc(service: nil), .notify, .watchdog(.seconds(1))] {
            #expect(Self.exchange(ProbeSpec(check: check, interval: .seconds(1), timeout: .seconds(1))) == nil)
        }
    }

    /// Different initial delays: each probe starts on its own schedule (the later one is not steady, so nothing is
    /// shared), and once both are steady their exchanges are equal: the later one joins the earlier one's chain.
    @Test func differentInitialDelaysStartApartThenAlign() {
        let policy = ReplicaPolicy(
            ready: ProbePolicy(interval: .seconds(1), failureThreshold: 3),
            health: ProbePolicy(interval: .seconds(1), failureThreshold: 3, initialDelay: .seconds(5)))
        var health = Self.http
        health.initialDelay = .seconds(5)
        let start = ContinuousClock.now
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: start)
        _ = machine.handle(.spawned(pid: 9), at: start)
        func steady(_ kind: ProbeKind) -> Duration? { machine.steadyProbeInterval(kind, incarnation: 1) }
        // Readiness: its first success makes the replica ready, the probe after that is steady.
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: start)
        _ = machine.handle(.probeResult(.ready, incarnation: 1, success: true, detail: ""), at: start)
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: start + .seconds(1))
        let ready = Self.exchange(Self.http, steady: steady(.ready))
        #expect(ready != nil)
        // Liveness has not started (its initial delay): nothing to share with yet.
        #expect(Self.exchange(health, steady: steady(.health)) == nil)
        _ = machine.handle(.timer(.probe(.health, incarnation: 1)), at: start + .seconds(5))
        #expect(Self.exchange(health, steady: steady(.health)) == ready)
    }

    @Test func aSharedRoundCountsForBothAndAMemberThatLeavesHearsNoMore() async throws {
        let prober = try LoopProber()
        let delivered = Delivered()
        let cache = ProbeSeriesCache()
        func series(_ kind: ProbeKind) -> ProbeSeries {
            cache.series(service: "web", kind: kind, factory: NOOPMetricsHandler.instance)
        }
        let chain = ProbeChain(
            key: .init(service: "web", slot: 0, kind: .health), incarnation: 1, spec: Self.http, port: 22200,
            interval: .milliseconds(20), grain: .milliseconds(10), prober: prober, loop: prober.loop,
            series: series(.health), deliver: { result in delivered.kinds.withLock { $0.append(result.kind) } })
        #expect(chain.join(.ready, series: series(.ready), timeout: .seconds(1)))
        #expect(!chain.join(.ready, series: series(.ready), timeout: .seconds(1)), "a member joins once")
        #expect(chain.kinds == [.health, .ready])
        prober.failing.withLock { _ = $0.insert(22200) }
        chain.start()
        #expect(await eventually { delivered.kinds.withLock { $0 } == [.health, .ready] })
        #expect(!chain.join(.ready, series: series(.ready), timeout: .seconds(1)), "an ended chain takes nobody")

        // A member that leaves (its probe changed, a reload) hears nothing more; the other one goes on.
        delivered.kinds.withLock { $0 = [] }
        prober.failing.withLock { _ = $0.remove(22200) }
        let second = ProbeChain(
            key: .init(service: "web", slot: 0, kind: .health), incarnation: 1, spec: Self.http, port: 22200,
            interval: .milliseconds(20), grain: .milliseconds(10), prober: prober, loop: prober.loop,
            series: series(.health), deliver: { result in delivered.kinds.withLock { $0.append(result.kind) } })
        #expect(second.join(.ready, series: series(.ready), timeout: .seconds(1)))
        second.start()
        second.leave(.ready)
        prober.failing.withLock { _ = $0.insert(22200) }
        #expect(await eventually { !delivered.kinds.withLock { $0 }.isEmpty })
        #expect(delivered.kinds.withLock { $0 } == [.health])
        second.leave(.health)
        #expect(!second.join(.ready, series: series(.ready), timeout: .seconds(1)), "a chain nobody is left in stops")
    }
}

/// What a chain delivered to the supervisor, by kind.
final class Delivered: Sendable {
    let kinds = Mutex<[ProbeKind]>([])
}

extension Supervisor {
    /// The chains serving the replicas' probes, by kind (one replica in these tests).
    func probeChainIdentities() -> [ProbeKind: ObjectIdentifier] {
        var found: [ProbeKind: ObjectIdentifier] = [:]
        for (key, chain) in probeChains { found[key.kind] = ObjectIdentifier(chain) }
        return found
    }
}

@Suite("Supervisor: a replica's identical ready and health probes share one exchange")
struct SharedProbeTests {
    static func manifest(healthPath: String) -> String {
        """
        services:
          web:
            command: ["web"]
            port: 22300
            ready: { http: /, interval: 30ms, timeout: 1s, failure_threshold: 2 }
            health: { http: \(healthPath), interval: 30ms, timeout: 1s, failure_threshold: 2, initial_delay: 60ms }
        """
    }

    /// The chains serving the replica's probes, by kind.
    static func chains(_ supervisor: Supervisor) async -> [ProbeKind: ObjectIdentifier] {
        await supervisor.probeChainIdentities()
    }

    @Test func identicalProbesEndUpOnOneChainAndBothHearAFailure() async throws {
        let prober = try LoopProber()
        let supervisor = try makeSupervisor(
            Self.manifest(healthPath: "/"), processes: FakeProcesses(), prober: prober)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 5000)).ok)
        #expect(
            await eventually {
                let chains = await Self.chains(supervisor)
                return chains.count == 2 && chains[.ready] == chains[.health]
            })
        // One failing exchange counts for both probes: two make the replica unready and restart it (liveness).
        let restarts = await supervisor.status().services.first?.replicas.first?.restarts ?? 0
        prober.failing.withLock { _ = $0.insert(22300) }
        #expect(
            await eventually {
                (await supervisor.status().services.first?.replicas.first?.restarts ?? 0) > restarts
            })
        prober.failing.withLock { _ = $0.remove(22300) }
        _ = await supervisor.down(timeout: nil)
    }

    @Test func differentPathsKeepTwoChains() async throws {
        let prober = try LoopProber()
        let supervisor = try makeSupervisor(
            Self.manifest(healthPath: "/healthz"), processes: FakeProcesses(), prober: prober)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 5000)).ok)
        #expect(await eventually { await Self.chains(supervisor).count == 2 })
        let chains = await Self.chains(supervisor)
        #expect(chains[.ready] != chains[.health])
        _ = await supervisor.down(timeout: nil)
    }
}
