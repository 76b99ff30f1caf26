import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    @Test("check reports FILE:LINE:COLUMN diagnostics and exits 1; up with the same manifest starts nothing")
    func badManifest() async throws {
        try await withProject("check") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        replicas: many
                        restart: { policy: sometimes }
                    """)
            let check = try await project.berth(["check", "-f", project.manifestPath])
            #expect(check.exitCode == 1, "\(check)")
            let diagnostics = check.stderr.matches(of: /(?m)^(.+):(\d+):(\d+): error: (.+)$/)
            #expect(diagnostics.count >= 2, "\(check)")
            let replicas = diagnostics.first { $0.output.4.contains("replicas") }
            #expect(replicas?.output.1 == project.manifestPath[...], "\(check)")
            #expect(replicas?.output.2 == "5", "replicas is on line 5: \(check)")
            #expect(replicas?.output.3 == "15", "its value starts at column 15: \(check)")
            let policy = diagnostics.first { $0.output.4.contains("sometimes") }
            #expect(policy?.output.2 == "6", "the policy is on line 6: \(check)")

            let up = try await project.upDetached()
            #expect(up.exitCode == 1, "\(up)")
            #expect(up.stderr.contains("\(project.manifestPath):5:"), "\(up)")
            #expect(!FileManager.default.fileExists(atPath: project.socket))
            #expect(!FileManager.default.fileExists(atPath: project.pidFile))
            #expect(project.markedPIDs.isEmpty)
            let status = try await project.berth(["status"])
            #expect(status.exitCode == 69, "no daemon runs: \(status)")
        }
    }

    @Test("logs shows what a replica printed")
    func logsShowOutput() async throws {
        try await withProject("logs") { project in
            let text = "hello from stderr \(UInt32.random(in: 0...UInt32.max))"
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--stderr", text))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            var last: CommandResult?
            let seen = try? await eventually("the stderr line in berth logs web", timeout: .seconds(5)) { () -> Bool? in
                let logs = try await project.berth(["logs", "web"], timeout: .seconds(15))
                last = logs
                return logs.exitCode == 0 && logs.stdout.contains("web.0 | \(text)") ? true : nil
            }
            #expect(seen == true, "\(last.map(String.init(describing:)) ?? "no output")")
            let listening = last?.stdout.contains("web.0 | fixture listening on 127.0.0.1:") ?? false
            #expect(listening, "stdout lines are there too")
        }
    }
}
