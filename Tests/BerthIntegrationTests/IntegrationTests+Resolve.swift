import Foundation
import Testing

extension IntegrationTests {
    @Test("berthd -f reads the manifest through berth resolve: the same diagnostics as berth check, byte for byte")
    func daemonDiagnosticsAreTheCLIs() async throws {
        try await withProject("resolve") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        replicas: many
                        restart: { policy: sometimes }
                    """)
            let check = try await project.berth(["check", "-f", project.manifestPath])
            #expect(check.exitCode == 1, "\(check)")
            let daemon = try project.start(try Binaries.berthd, ["-f", project.manifestPath])
            let result = await daemon.wait(timeout: .seconds(20))
            #expect(result.exitCode == 1, "\(result)")
            // `berth check` adds a summary line first; every diagnostic line after it is berthd's, in order.
            let lines = check.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
            #expect(!lines.isEmpty, "\(check)")
            #expect(result.stderr == lines.joined(separator: "\n") + "\n", "\(result)\n\(check)")
            #expect(!FileManager.default.fileExists(atPath: project.socket))
        }
    }

    @Test("berthd without a berth to resolve the manifest says which one it tried, and starts nothing")
    func daemonWithoutTheCLI() async throws {
        try await withProject("nocli") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                    """)
            project.extraEnvironment["BERTH_CLI"] = project.root + "/no-such-berth"
            let daemon = try project.start(try Binaries.berthd, ["-f", project.manifestPath])
            let result = await daemon.wait(timeout: .seconds(20))
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("cannot run \(project.root)/no-such-berth"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: project.socket))
        }
    }
}
