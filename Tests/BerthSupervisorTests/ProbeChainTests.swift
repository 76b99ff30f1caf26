import BerthManifest
import BerthProcess
import BerthSystem
import Synchronization
import Testing

@testable import BerthSupervisor

/// A prober like the real one: `start` answers on the pump's epoll thread (a moment later, as a probe on loopback
/// does) and names that loop, so the supervisor repeats steady probes there (`ProbeChain`).
final class LoopProber: ProbeRunning {
    let failing = Mutex<Set<Int>>([])
    let started = Atomic<Int>(0)
    let loop: any ReadinessLoop

    init() throws {
        loop = try ProcessLauncher.sharedReadiness()
    }

    var readinessLoop: (any ReadinessLoop)? { loop }

    func probe(_ check: ProbeSpec.Check, port: Int?, exec: SpawnRequest?, timeout: Duration) async -> (Bool, String) {
        (true, "")
    }

    func start(
        _ check: ProbeSpec.Check, port: Int?, timeout: Duration,
        completion: @escaping @Sendable (Bool, String) -> Void
    ) -> Bool {
        started.add(1, ordering: .relaxed)
        let fails = port.map { port in failing.withLock { $0.contains(port) } } ?? false
        loop.after(.now + .milliseconds(1)) { completion(!fails, fails ? "connection refused" : "") }
        return true
    }
}

@Suite("Supervisor: steady probes repeat on the epoll thread")
struct ProbeChainTests {
    static let manifest = """
        services:
          web:
            command: ["web"]
            port: 22100
            ready: { http: /, interval: 30ms, failure_threshold: 2 }
            health: { tcp: true, interval: 30ms, failure_threshold: 1000 }
        """

    @Test func steadySuccessesNeverReachTheSupervisorAndAFailureDoes() async throws {
        let prober = try LoopProber()
        let supervisor = try makeSupervisor(Self.manifest, processes: FakeProcesses(), prober: prober)
        await supervisor.up()
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 5000))
        #expect(answer.ok, "\(answer.message)")
        // The first steady round of each probe may still be reported; after that, only the loop works.
        try await Task.sleep(for: .milliseconds(150))
        let posted = supervisor.probeInbox.posted.load(ordering: .relaxed)
        let started = prober.started.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(300))
        #expect(prober.started.load(ordering: .relaxed) >= started + 10, "probing goes on")
        #expect(supervisor.probeInbox.posted.load(ordering: .relaxed) == posted, "no success reached the supervisor")
        // Failures reach it: two make the replica unready; once the check passes again, it is ready again.
        prober.failing.withLock { _ = $0.insert(22100) }
        #expect(await eventually { await supervisor.status().services.first?.replicas.first?.ready == false })
        #expect(supervisor.probeInbox.posted.load(ordering: .relaxed) > posted)
        prober.failing.withLock { _ = $0.remove(22100) }
        #expect(await eventually { await supervisor.status().services.first?.replicas.first?.ready == true })
        _ = await supervisor.down(timeout: nil)
        // Down stops the chains: no probe starts any more.
        try await Task.sleep(for: .milliseconds(100))
        let afterDown = prober.started.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(200))
        #expect(prober.started.load(ordering: .relaxed) == afterDown)
    }
}
