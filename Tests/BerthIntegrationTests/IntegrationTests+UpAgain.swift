import BerthControlProtocol
import Foundation
import Testing

/// `berth up` to a daemon that a partial `up` started: the services it left out start now (a profile's too), and a
/// scheduled job it left out is scheduled, not run; one-offs get the service addresses of the running daemon.
extension IntegrationTests {
    @Test("daily: berth up after a partial up starts what was left out, and schedules a job left out")
    func upAfterPartialUpStartsTheRest() async throws {
        try await withProject("up-again") { project in
            try project.writeManifest(
                services: """
                      api:
                        command: ["/bin/sleep", "600"]
                      other:
                        command: ["/bin/sleep", "600"]
                      tool:
                        command: ["/bin/sleep", "600"]
                        profiles: [debug]
                      nightly:
                        command: \(Self.runLogger("nightly.log", sleep: "0"))
                        schedule: { every: 1h }
                    """)
            let up = try await project.berth(["up", "-d", "api", "--timeout", "20s"], timeout: .seconds(40))
            #expect(up.exitCode == 0, "\(up)")
            func running() async throws -> Set<String> {
                Set(try await project.status().services.filter { $0.replicas.contains { $0.pid != nil } }.map(\.name))
            }
            #expect(try await running() == ["api"])
            let all = try await project.berth(
                ["up", "-d", "--profile", "debug", "--timeout", "20s"], timeout: .seconds(40))
            #expect(all.exitCode == 0, "\(all)")
            #expect(try await running() == ["api", "other", "tool"])
            let status = try await project.status()
            #expect(status.service("nightly")?.schedule?.nextRun != nil, "nightly is scheduled: \(status)")
            // Scheduled, not run.
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.runs(project.root + "/nightly.log").isEmpty)
            // Another `berth up` changes nothing and runs nothing.
            let again = try await project.berth(["up", "-d", "--profile", "debug"], timeout: .seconds(40))
            #expect(again.exitCode == 0, "\(again)")
            #expect(Self.runs(project.root + "/nightly.log").isEmpty)
        }
    }

    @Test("daily: berth run and exec fill in ${services.NAME.port} from the running daemon")
    func oneOffsGetServiceAddresses() async throws {
        try await withProject("run-addresses") { project in
            try project.writeManifest(
                services: """
                      redis:
                        command: \(try Self.fixture())
                        port: auto
                      web:
                        command: ["/bin/sleep", "600"]
                        env: { REDIS: "${services.redis.host}:${services.redis.port}" }
                        depends_on: [redis]
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let port = try #require(try await project.status().replicas("redis").first?.port)
            let run = try await project.berth(["run", "web", "--", "/bin/sh", "-c", "echo R=$REDIS"])
            #expect(run.exitCode == 0 && run.stdout.contains("R=127.0.0.1:\(port)"), "\(run)")
            let exec = try await project.berth(["exec", "web.0", "--", "/bin/sh", "-c", "echo R=$REDIS"])
            #expect(exec.exitCode == 0 && exec.stdout.contains("R=127.0.0.1:\(port)"), "\(exec)")
        }
    }
}
