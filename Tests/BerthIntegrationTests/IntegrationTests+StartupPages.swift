import Foundation
import Testing

extension IntegrationTests {
    /// Issue 16 (berthd <= 20 MB RSS): a second after every service first reached its target, berthd drops its clean
    /// code pages again (`ExecutablePages`, called by `SupervisorService`). Everything it runs afterwards comes back
    /// from the page cache: a daemon that dropped the wrong pages (relocated ones) would crash here.
    @Test("after berthd dropped start-up's pages, it still restarts a killed replica and answers")
    func daemonWorksAfterDroppingStartupPages() async throws {
        try await withProject("startup-pages") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--stdout", "hello", "--log-every", "200"))
                        replicas: 3
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let first = try await project.firstPID("web")
            let daemon = try await project.status().daemonPID
            // Settled at `up -d`'s return; the drop follows a second later.
            try await Task.sleep(for: .seconds(2))
            kill(first, SIGKILL)
            let after = try await project.waitForStatus("web.0 restarted with a new pid") {
                guard let replica = $0.replicas("web").first, let pid = replica.pid else { return false }
                return replica.restarts >= 1 && pid != first && replica.state == .running
            }
            #expect(after.daemonPID == daemon, "berthd was replaced: \(daemon) -> \(after.daemonPID)")
            let logs = try await project.berth(["logs", "-n", "5", "web"], timeout: .seconds(15))
            #expect(logs.exitCode == 0, "\(logs)")
        }
    }
}
