import BerthControlProtocol
import Foundation
import Testing

/// audit11: `berth down --timeout 1s` with a replica that ignores its stop signal answered "down failed: timed out
/// after 1s ... (stopping): still stopping", exit 1, although berthd killed every process still running right after
/// that answer was made, and exited: a script saw a failure for a project that was down. The down now awaits those
/// exits (bounded) and says what it killed, exit 0.
extension IntegrationTests {
    @Test("berth down past its --timeout kills what still runs and says so, exit 0")
    func downPastItsTimeoutKillsWhatStillRunsAndSaysSo() async throws {
        try await withProject("down-timeout") { project in
            try project.writeManifest(
                services: """
                      stubborn:
                        command: ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
                        stop: { timeout: 60s }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.status()
            let started = ContinuousClock.now
            let down = try await project.berth(["down", "--timeout", "1s"], timeout: .seconds(30))
            #expect(down.exitCode == 0, "\(down)")
            #expect(down.stdout.contains("stopped (killed"), "\(down)")
            #expect(down.stdout.contains("still running after 1s)"), "\(down)")
            #expect(ContinuousClock.now - started < .seconds(15), "not the 60 s stop timeout")
            #expect(project.markedPIDs.isEmpty, "left behind: \(project.markedPIDs)")
            #expect(!ProcessScan.isAlive(status.daemonPID), "berthd exited")
        }
    }
}
