import BerthControlProtocol
import BerthResources
import MetricsTestKit
import Testing

@testable import BerthSupervisor

/// audit5: a stopped or removed replica's usage series stayed in `/metrics` for the daemon's life with the last
/// figures of its process, as if it still ran. They now go once the replica is at rest, and read 0 while it waits to
/// restart (the CPU counter keeps its total then).
@Suite struct UsageSeriesLifetimeTests {
    let memory = "berth_replica_resident_memory_bytes"

    func labels(_ replica: Int) -> [(String, String)] { [("service", "web"), ("replica", String(replica))] }

    @Test func aReplicaAtRestLosesItsSeriesAndOneWaitingToRestartReadsZero() async throws {
        let processes = FakeProcesses()
        let metrics = TestMetrics()
        let supervisor = try makeSupervisor(
            """
            services:
              web:
                command: ["web"]
                replicas: 2
                restart: { backoff: { initial: 1h, max: 1h, jitter: 0 }, reset_after: 2h }
            """,
            processes: processes, metrics: SupervisorMetrics(factory: metrics))
        await supervisor.up()
        #expect(await eventually { processes.running("web").count == 2 })
        let slots = try #require(await supervisor.status().services.first).replicas.compactMap(\.slot)
        let busy = ReplicaUsage(cpuSeconds: 2, residentBytes: 4096, openFiles: 5, threads: 3, processes: 1)
        func sample(_ ids: [Int]) -> [String: ReplicaUsage] {
            Dictionary(uniqueKeysWithValues: ids.map { (Supervisor.usageKey(service: "web", slot: $0), busy) })
        }
        await supervisor.recordUsage(sample(slots))
        #expect(try metrics.expectGauge(memory, labels(0)).lastValue == 4096)
        #expect(try metrics.expectGauge(memory, labels(1)).lastValue == 4096)

        // `berth stop web.1`: held, at rest. Its series go at the next sample (they stayed at 4096 before).
        let stop = try await supervisor.perform(
            .replica(service: "web", index: 1, action: .stop, timeoutMilliseconds: 2000))
        #expect(stop.ok, "\(stop)")
        await supervisor.recordUsage(sample([slots[0]]))
        #expect(throws: (any Error).self) { try metrics.expectGauge(memory, labels(1)) }
        #expect(throws: (any Error).self) {
            try metrics.expectCounter("berth_replica_cpu_seconds_total", labels(1))
        }
        #expect(try metrics.expectGauge(memory, labels(0)).lastValue == 4096)

        // web.0 crashes twice (the first restarts at once) and waits an hour to restart: its series stay, the gauges
        // at 0 (they kept the last process's figures).
        let first = try #require(processes.running("web")[0])
        processes.exit(first, .signaled(9, coreDumped: false))
        #expect(await eventually { processes.running("web")[0].map { $0 != first } ?? false })
        let second = try #require(processes.running("web")[0])
        processes.exit(second, .signaled(9, coreDumped: false))
        #expect(await eventually { await supervisor.status().services.first?.replicas.first?.state == .backoff })
        await supervisor.recordUsage([:])
        #expect(try metrics.expectGauge(memory, labels(0)).lastValue == 0)
        #expect(try metrics.expectGauge("berth_replica_threads", labels(0)).lastValue == 0)

        // `berth stop web`: nothing of it is left.
        _ = try await supervisor.perform(.stop(service: "web", timeoutMilliseconds: 2000))
        await supervisor.recordUsage([:])
        #expect(throws: (any Error).self) { try metrics.expectGauge(memory, labels(0)) }
    }

    /// A service removed by a reload kept its `berth_replicas` gauges, at the counts it had when it went.
    @Test func aRemovedServiceLosesItsStateGauges() throws {
        let metrics = TestMetrics()
        let supervisorMetrics = SupervisorMetrics(factory: metrics)
        supervisorMetrics.replicaStates(service: "old", slots: [])
        supervisorMetrics.replicaStates(service: "kept", slots: [])
        #expect(try metrics.expectGauge("berth_replicas", [("service", "old"), ("state", "running")]).lastValue == 0)
        supervisorMetrics.serviceRemoved("old")
        #expect(throws: (any Error).self) {
            try metrics.expectGauge("berth_replicas", [("service", "old"), ("state", "running")])
        }
        #expect(throws: (any Error).self) { try metrics.expectGauge("berth_replicas_ready", [("service", "old")]) }
        #expect(try metrics.expectGauge("berth_replicas_ready", [("service", "kept")]).lastValue == 0)
    }
}
