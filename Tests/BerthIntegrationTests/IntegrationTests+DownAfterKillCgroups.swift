import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// audit12 (audit11's leftover): `berth down` after berthd was SIGKILLed stopped what the daemon left running
/// (`berthd --clean-up`), but left the project's cgroups (`<own>/berth/PROJECT/REPLICA` in each v1 hierarchy, or in
/// the cgroup2 tree) to the next `berth up`. The daemon now records them in `state.json`, and the clean-up removes
/// them once their processes are gone, as a clean stop does.
extension IntegrationTests {
    @Test(
        "berth down after berthd was SIGKILLed removes the project's cgroups", .enabled(if: cgroupsAvailable))
    func downAfterTheDaemonWasKilledRemovesItsCgroups() async throws {
        try await withProject("down-killed-cgroups") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: ["sleep", "300"]
                        replicas: 2
                        limits: { memory: 64M, pids: 50 }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.status()
            let directories = ["memory", "pids"].map {
                "/sys/fs/cgroup/\($0)\(Self.ownCgroup($0))/berth/\(project.name)"
            }
            for directory in directories {
                let replicas = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                #expect(replicas.filter { $0.hasPrefix("web.") }.count == 2, "\(directory): \(replicas)")
            }
            kill(status.daemonPID, SIGKILL)
            _ = try await eventually("the killed berthd to be gone", timeout: .seconds(5)) { () -> Bool? in
                ProcessScan.isAlive(status.daemonPID) ? nil : true
            }

            let down = try await project.berth(["down"], timeout: .seconds(30))
            #expect(down.exitCode == 0, "\(down)")
            #expect(project.markedPIDs.isEmpty, "left behind: \(project.markedPIDs)")
            for directory in directories {
                #expect(!FileManager.default.fileExists(atPath: directory), "\(directory) is left")
            }
        }
    }
}
