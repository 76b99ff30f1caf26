import BerthControlProtocol
import Testing

@testable import BerthSupervisor

/// audit5: `berth scale` could give a `concurrency: allow` job more replicas than its overlapping runs can number below
/// job.1000 (the manifest refuses the same product, see OverlappingRunBoundTests).
@Suite struct OverlappingRunScaleTests {
    @Test func scalingAnOverlappingJobPastTheNameableIndexesIsRefused() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              job:
                command: ["job"]
                schedule: { every: 1h, concurrency: allow, max_concurrent: 4 }
              web:
                command: ["web"]
            """,
            processes: processes)
        await #expect(
            throws: ControlAPIError.badRequest(
                "job runs up to 4 times at once (concurrency: allow), each run in replicas of its own: at most 250 "
                    + "replicas, got 251")
        ) {
            _ = try await supervisor.perform(.scale(ScaleRequest(services: ["job": 251], timeoutMilliseconds: 100)))
        }
        #expect(await supervisor.status().services.first { $0.name == "job" }?.desired == 1)
        // At the bound it scales, and a service without a schedule still goes up to 1000.
        #expect(
            try await supervisor.perform(.scale(ScaleRequest(services: ["job": 250], timeoutMilliseconds: 100))).ok)
        _ = try await supervisor.perform(.scale(ScaleRequest(services: ["web": 1000], timeoutMilliseconds: 0)))
        #expect(await supervisor.status().services.first { $0.name == "web" }?.desired == 1000)
    }

    /// The pure machine's bound on indexes is the control API's: every index it places can be named (`job.999`).
    @Test func theIndexLimitIsWhatTheControlAPINames() throws {
        #expect(ServiceRuntime.indexLimit == ControlCommand.maximumReplicas)
        #expect(
            try ControlCommand.decode(
                method: "POST", target: "/v1/services/job/replicas/\(ServiceRuntime.indexLimit - 1)/stop", body: [])
                == .replica(
                    service: "job", index: ServiceRuntime.indexLimit - 1, action: .stop, timeoutMilliseconds: nil))
    }
}
