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
