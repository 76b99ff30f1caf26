import BerthControlProtocol
import BerthManifest
import BerthProcess
import Synchronization
import Testing

@testable import BerthSupervisor

/// A prober that runs HTTP and TCP checks the supervisor's task-free way (`start`), answering at once from inside
/// the call, as a refused connection does: the result must still reach the replica on a later turn, in a batch.
final class StartingProber: ProbeRunning {
    let failing = Mutex<Set<Int>>([])
    let started = Atomic<Int>(0)
    let asyncProbes = Atomic<Int>(0)

    func probe(_ check: ProbeSpec.Check, port: Int?, exec: SpawnRequest?, timeout: Duration) async -> (Bool, String) {
        asyncProbes.add(1, ordering: .relaxed)
        return (true, "")
    }

    func start(
        _ check: ProbeSpec.Check, port: Int?, timeout: Duration,
        completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool {
        started.add(1, ordering: .relaxed)
        if let port, failing.withLock({ $0.contains(port) }) {
            completion(false, "connection refused")
        } else {
            completion(true, "")
        }
        return true
    }
}

@Suite("Supervisor: probes without a task")
struct ProbeDeliveryTests {
    static let manifest = """
        services:
          web:
            command: ["web"]
            replicas: 3
            port: auto
            ready: { http: /, interval: 100ms }
            health: { tcp: true, interval: 100ms }
        """

    @Test func readinessAndLivenessAnsweredThroughStartMakeReplicasReady() async throws {
        let prober = StartingProber()
        let supervisor = try makeSupervisor(Self.manifest, processes: FakeProcesses(), prober: prober)
        await supervisor.up()
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 5000))
        #expect(answer.ok, "\(answer.message)")
        // Liveness keeps probing every 100 ms, all through `start`.
        let before = prober.started.load(ordering: .relaxed)
        #expect(await eventually { prober.started.load(ordering: .relaxed) >= before + 6 })
        #expect(prober.asyncProbes.load(ordering: .relaxed) == 0)
        _ = await supervisor.down(timeout: nil)
    }

    @Test func aFailingCheckAnsweredThroughStartKeepsTheReplicaNotReady() async throws {
        let prober = StartingProber()
        prober.failing.withLock { $0.insert(22000) }
        let supervisor = try makeSupervisor(
            "services:\n  web: { command: [\"web\"], port: 22000, ready: { http: /, interval: 50ms } }\n",
            processes: FakeProcesses(), prober: prober)
        await supervisor.up()
        // Three probes started means at least two failures were answered and delivered (the next probe is planned
        // once the result is in). Waited for, not assumed within the 400 ms below: a loaded CI machine ran only
        // one probe in that window. A failure delivered as a success makes the replica ready and fails both checks.
        #expect(await eventually { prober.started.load(ordering: .relaxed) >= 3 })
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 400))
        #expect(answer.ok == false)
        let replica = try #require(await supervisor.status().services.first?.replicas.first)
        #expect(replica.ready == false)
        _ = await supervisor.down(timeout: nil)
    }

    @Test func probeDeadlinesWithinOneGrainShareOneWakeUp() {
        let grain = Duration.milliseconds(10)
        let base = ContinuousClock.now + .seconds(1)
        let rounded = Supervisor.roundedUp(base, to: grain)
        #expect(rounded >= base)
        #expect(rounded - base < grain)
        #expect(Supervisor.roundedUp(rounded, to: grain) == rounded)
        #expect(Supervisor.roundedUp(rounded - .milliseconds(3), to: grain) == rounded)
        #expect(Supervisor.roundedUp(rounded + .milliseconds(1), to: grain) == rounded + grain)
        #expect(Supervisor.roundedUp(base, to: .zero) == base)
    }
}
