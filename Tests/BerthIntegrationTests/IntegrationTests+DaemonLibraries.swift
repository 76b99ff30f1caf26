import Foundation
import Testing

extension IntegrationTests {
    /// Issue 16 (berthd <= 20 MB RSS): libsystemd and the libraries it pulls in (libgcrypt, liblz4, libzstd...) are
    /// loaded on first use (CSystemd.h); a daemon logging to files never uses them, so it never maps them.
    @Test("berthd logging to files maps no libsystemd")
    func daemonWithFilesMapsNoLibsystemd() async throws {
        try await withProject("no-libsystemd") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--stdout", "hello", "--log-every", "200"))
                    """, top: "log: { driver: file }\n")
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let status = try await project.waitForStatus("web running") {
                $0.services.first?.replicas.first?.pid != nil
            }
            let maps = try String(contentsOfFile: "/proc/\(status.daemonPID)/maps", encoding: .utf8)
            let mapped = Set(maps.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
            #expect(!mapped.contains { $0.contains("libsystemd") }, "berthd maps \(mapped.sorted())")
            #expect(!mapped.contains { $0.contains("libgcrypt") }, "berthd maps \(mapped.sorted())")
        }
    }
}
