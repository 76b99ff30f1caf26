import BerthControlProtocol
import Testing

@testable import BerthCLI

struct StatusTableTests {
    @Test func rendersAlignedRowsAndReasons() {
        let expected = """
            SERVICE  REPLICA  PID   PORT  STATE    READY  RESTARTS  UPTIME
            web      0        1201  8081  running  yes    0         5s
            web      1        1202  8082  running  yes    2         3m12s
            worker   0        -     -     failed   no     5         -
                reason: gave up after 5 restarts in 60s; last exit: exited with status 1
            cron     0        -     -     backoff  no     1         -
                last exit: killed by SIGKILL
            batch    -        -     -     -        -      -         -

            """
        #expect(StatusTable.render(sampleStatus) == expected)
    }

    @Test func showsARolloutUnderTheServicesLastRow() {
        let replica = { (index: Int, pid: Int32) in
            ReplicaStatus(
                index: index, pid: pid, port: nil, state: .running, ready: true, restarts: 0, uptimeSeconds: 1)
        }
        let status = StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: [
                ServiceStatus(
                    name: "web", desired: 1, replicas: [replica(0, 10), replica(0, 11)], generation: 2,
                    rollout: "rolling out: generation 2: 0 of 1 replaced")
            ]
        )
        let expected = """
            SERVICE  REPLICA  PID  PORT  STATE    READY  RESTARTS  UPTIME
            web      0        10   -     running  yes    0         1s
            web      0        11   -     running  yes    0         1s
                rollout: rolling out: generation 2: 0 of 1 replaced

            """
        #expect(StatusTable.render(status) == expected)
    }

    @Test func rendersOnlyTheHeaderForAnEmptyProject() {
        let empty = StatusResponse(project: "p", daemonPID: 1, manifest: "/m", services: [])
        #expect(StatusTable.render(empty) == "SERVICE  REPLICA  PID  PORT  STATE  READY  RESTARTS  UPTIME\n")
    }

    @Test func widensColumnsForLongValues() {
        let status = StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: [
                ServiceStatus(
                    name: "a-very-long-service-name", desired: 1,
                    replicas: [
                        ReplicaStatus(
                            index: 12, pid: 123_456, port: 65_000, state: .stopping, ready: false, restarts: 1234,
                            uptimeSeconds: 90_061
                        )
                    ]
                )
            ]
        )
        let expected = """
            SERVICE                   REPLICA  PID     PORT   STATE     READY  RESTARTS  UPTIME
            a-very-long-service-name  12       123456  65000  stopping  no     1234      1d01h

            """
        #expect(StatusTable.render(status) == expected)
    }

    @Test(arguments: [
        (0.0, "0s"), (5.9, "5s"), (59, "59s"), (60, "1m00s"), (192, "3m12s"), (3599, "59m59s"), (3600, "1h00m"),
        (7380, "2h03m"), (86_399, "23h59m"), (86_400, "1d00h"), (363_600, "4d05h"), (-3, "0s"),
    ])
    func formatsUptime(_ seconds: Double, _ text: String) {
        #expect(StatusTable.formatUptime(seconds) == text)
    }
}
