import BerthControlProtocol
import BerthSupervisor
import MetricsTestKit
import Testing

/// What the supervisor records through swift-metrics, against fake processes and a recording metrics factory.
@Suite struct SupervisorMetricsTests {
    @Test func exitsByCauseRestartsAndReplicasByState() async throws {
        let processes = FakeProcesses()
        let metrics = TestMetrics()
        let supervisor = try makeSupervisor(
            """
            services:
              web:
                command: ["web"]
                replicas: 2
                restart: { backoff: { initial: 1ms, max: 1ms } }
            """,
            processes: processes, metrics: SupervisorMetrics(factory: metrics)
        )
        await supervisor.up()
        #expect(await eventually { processes.running("web").count == 2 })
        let running: @Sendable (String) -> Double? = { state in
            try? metrics.expectGauge("berth_replicas", [("service", "web"), ("state", state)]).lastValue
        }
        #expect(running("running") == 2)
        #expect(running("failed") == 0)

        let first = try #require(processes.running("web")[0])
        processes.exit(first, .signaled(9, coreDumped: false))
        #expect(
            await eventually {
                metrics.counterTotal(label: "berth_restarts_total", dimensions: [("service", "web")]) == 1
                    && processes.running("web").count == 2
            })
        #expect(
            metrics.counterTotal(label: "berth_exits_total", dimensions: [("service", "web"), ("cause", "signal")]) == 1
        )
        let second = try #require(processes.running("web")[1])
        processes.exit(second, .exited(3))
        #expect(
            await eventually {
                metrics.counterTotal(
                    label: "berth_exits_total", dimensions: [("service", "web"), ("cause", "failure")]) == 1
            })

        // The fake exits on SIGTERM, as a well-behaved replica does.
        _ = try await supervisor.perform(.scale(ScaleRequest(services: ["web": 1], timeoutMilliseconds: nil)))
        #expect(
            await eventually {
                metrics.counterTotal(
                    label: "berth_exits_total", dimensions: [("service", "web"), ("cause", "stopped")]) == 1
            })
        #expect(await eventually { running("running") == 1 })
    }

    /// audit3: with no cgroups (here the supervisor has none, as with BERTH_NO_CGROUPS=1 or berthd not root), status
    /// showed `limits.memory` and `cpu` as the replica's limits ("1.6M/64M" in `berth status`), although none held.
    @Test func aLimitThatDoesNotHoldIsNotShown() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              web:
                command: ["web"]
                limits: { memory: 64M, cpu: 0.5 }
            """,
            processes: processes)
        await supervisor.up()
        #expect(await eventually { processes.running("web").count == 1 })
        let replica = try #require(await supervisor.status().services.first?.replicas.first)
        #expect(replica.memoryLimitBytes == nil)
        #expect(replica.cpuLimit == nil)
    }
}
