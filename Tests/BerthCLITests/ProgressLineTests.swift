import BerthControlProtocol
import Testing

@testable import BerthCLI

struct ProgressLineTests {
    @Test func countsReadyAndCompletedReplicasAgainstTheDesiredCount() {
        #expect(BerthCommand.Up.progressLine(sampleStatus) == "2/4 replicas ready")
        let done = StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: [
                ServiceStatus(
                    name: "migrate", desired: 1,
                    replicas: [
                        ReplicaStatus(
                            index: 0, pid: nil, port: nil, state: .completed, ready: false, restarts: 0,
                            uptimeSeconds: nil
                        )
                    ]
                )
            ]
        )
        #expect(BerthCommand.Up.progressLine(done) == "1/1 replicas ready")
    }
}

struct ReadySummaryTests {
    private func status(_ names: [String]) -> StatusResponse {
        StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: names.map { ServiceStatus(name: $0, desired: 1, replicas: []) })
    }

    @Test func countsOneShotJobsApartFromServices() {
        let summary = BerthCommand.Up.readySummary(status(["web", "api", "migrate"]), jobs: ["migrate"])
        #expect(summary == "2 services ready, 1 job completed")
    }

    @Test func usesTheSingularForOne() {
        #expect(BerthCommand.Up.readySummary(status(["web"]), jobs: []) == "1 service ready")
        #expect(
            BerthCommand.Up.readySummary(status(["a", "b", "c"]), jobs: ["b", "c"])
                == "1 service ready, 2 jobs completed")
    }

    /// audit3: an `on-failure` worker still running when `up -d` returned was counted "1 job completed".
    @Test func aJobStillRunningIsReadyNotCompleted() {
        let running = ReplicaStatus(
            index: 0, pid: 7, port: nil, state: .running, ready: true, restarts: 0, uptimeSeconds: 1)
        var done = running
        done.state = .completed
        let status = StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: [
                ServiceStatus(name: "web", desired: 1, replicas: [running]),
                ServiceStatus(name: "worker", desired: 1, replicas: [running]),
                ServiceStatus(name: "migrate", desired: 1, replicas: [done]),
            ])
        #expect(
            BerthCommand.Up.readySummary(status, jobs: ["worker", "migrate"]) == "2 services ready, 1 job completed")
    }
}
