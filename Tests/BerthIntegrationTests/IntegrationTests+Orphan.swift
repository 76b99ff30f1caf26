import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit5: after a full integration run, two berthd of test projects ran on with their temporary directories gone:
/// unreachable (no socket to send `berth down` to), their replicas with them. berthd now stops its project when its
/// control socket or its state directory is removed or replaced.
extension IntegrationTests {
    @Test("berthd stops its project when its control socket is removed, or its state directory")
    func orphanedDaemonStops() async throws {
        for what in ["socket", "state directory"] {
            try await withProject("orphan") { project in
                project.extraEnvironment["BERTH_ORPHAN_POLL_SECONDS"] = "0.5"
                try project.writeManifest(
                    services: """
                          web:
                            command: \(try Self.fixture())
                            replicas: 2
                        """)
                #expect(try await project.upDetached().exitCode == 0)
                let status = try await project.status()
                let daemon = status.daemonPID
                let replicas = status.replicas("web").compactMap(\.pid)
                #expect(replicas.count == 2)
                // Still serving after a few polls: nothing was removed yet.
                try await Task.sleep(for: .seconds(1.5))
                #expect(ProcessScan.isAlive(daemon))
                if what == "socket" {
                    #expect(unlink(project.socket) == 0)
                } else {
                    try FileManager.default.removeItem(atPath: project.stateDirectory)
                }
                // Before the fix it ran until the clean-up's SIGKILL; the bound is the stop of two replicas.
                _ = try await eventually("berthd to stop after its \(what) went", timeout: .seconds(30)) {
                    () -> Bool? in
                    ProcessScan.isAlive(daemon) ? nil : true
                }
                #expect(replicas.allSatisfy { !ProcessScan.isAlive($0, project: project.name) })
            }
        }
    }
}
