import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit11: a berthd killed by SIGKILL (or the OOM killer) left its replicas running, and `berth down` answered "no
/// daemon running ... start it with 'berth up'" (exit 69) and stopped nothing: the only way to stop the project
/// was to start it again. `berth down` now stops what the killed daemon left, by the same rules a restarted daemon
/// follows (`berthd --clean-up`).
extension IntegrationTests {
    @Test("berth down after berthd was SIGKILLed stops the replicas it left, escaped ones included")
    func downAfterTheDaemonWasKilledStopsItsLeftovers() async throws {
        try await withProject("down-killed") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: ["sh", "-c", "setsid sleep 300 & exec sleep 301"]
                        replicas: 2
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.status()
            // Both replicas and their escaped children (four processes) carry the project's mark.
            _ = try await eventually("the escaped children to run", timeout: .seconds(5)) { () -> Bool? in
                project.markedPIDs.count >= 4 ? true : nil
            }
            kill(status.daemonPID, SIGKILL)
            _ = try await eventually("the killed berthd to be gone", timeout: .seconds(5)) { () -> Bool? in
                ProcessScan.isAlive(status.daemonPID) ? nil : true
            }
            #expect(project.markedPIDs.count >= 4, "the replicas outlive their daemon")

            let down = try await project.berth(["down"], timeout: .seconds(30))
            #expect(down.exitCode == 0, "\(down)")
            #expect(down.stdout.contains("processes it left running"), "\(down)")
            #expect(project.markedPIDs.isEmpty, "left behind: \(project.markedPIDs)")

            // Nothing is left to stop now: the usual answer for a project that is not running.
            let again = try await project.berth(["down"], timeout: .seconds(30))
            #expect(again.exitCode == 69, "\(again)")
            #expect(again.output.contains("no daemon running"), "\(again)")
        }
    }
}
