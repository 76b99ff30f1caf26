import BerthControlProtocol
import Foundation
import Testing

/// `berth up --exit-code-from JOB` with the real daemon: everything starts, the job's output is shown, its exit
/// status becomes berth's, and nothing is left running.
extension IntegrationTests {
    @Test("exit-code-from: up runs the job, returns its status and stops everything")
    func upExitCodeFrom() async throws {
        for (code, expected) in [("0", Int32(0)), ("7", Int32(7))] {
            try await withProject("exitcode") { project in
                try project.writeManifest(
                    services: """
                          db:
                            command: ["/bin/sleep", "600"]
                          test:
                            command: ["/bin/sh", "-c", "echo testing against the db; sleep 0.5; exit \(code)"]
                            restart: { policy: never }
                            depends_on: { db: started }
                        """)
                let up = try await project.berth(
                    ["up", "--exit-code-from", "test", "--timeout", "10s"],
                    timeout: .seconds(40))
                #expect(up.exitCode == expected, "\(up)")
                #expect(up.stdout.contains("testing against the db"), "\(up)")
                let summary = code == "0" ? "completed" : "failed: exited with status 7"
                #expect(up.stdout.contains("stopped; test " + summary), "\(up)")
                // Everything is down: no daemon answers and no process of the project is left.
                let status = try await project.berth(["status"])
                #expect(status.exitCode == 69, "\(status)")
                #expect(project.markedPIDs.isEmpty)
            }
        }
    }

    @Test("exit-code-from: a service that never ends is refused before anything starts")
    func exitCodeFromNeedsAJob() async throws {
        try await withProject("exitcode-bad") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: ["/bin/sleep", "600"]
                    """)
            let up = try await project.berth(["up", "--exit-code-from", "web"])
            #expect(up.exitCode == 64, "\(up)")
            #expect(up.stderr.contains("'web' has restart policy 'always' and never ends"), "\(up)")
            let unknown = try await project.berth(["up", "--exit-code-from", "wbe"])
            #expect(unknown.exitCode == 64 && unknown.stderr.contains("no service 'wbe'"), "\(unknown)")
            #expect(project.pidFromFile == nil)
        }
    }
}
