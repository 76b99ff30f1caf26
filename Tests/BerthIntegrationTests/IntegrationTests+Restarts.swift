import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    @Test("a crashing replica is restarted with a new pid and becomes ready again")
    func crashIsRestarted() async throws {
        try await withProject("crash") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--crash-after", "300", "--exit-code", "7"))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                        restart:
                          policy: always
                          backoff: { initial: 20ms, max: 100ms }
                          give_up: { restarts: 100, within: 60s }
                          reset_after: 100ms
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let first = try await project.firstPID("web")

            let after = try await project.waitForStatus("web.0 restarted, running and ready with a new pid") {
                guard let replica = $0.replicas("web").first, let pid = replica.pid else { return false }
                return replica.restarts >= 1 && pid != first && replica.state == .running && replica.ready
            }
            let replica = try #require(after.replicas("web").first)
            #expect(replica.lastExit?.contains("status 7") == true, "last exit: \(replica.lastExit ?? "nil")")
            #expect(!ProcessScan.isAlive(first, project: project.name), "the crashed process \(first) is still there")
        }
    }

    @Test("a replica failing its liveness check is restarted, again and again")
    func livenessFailureRestarts() async throws {
        try await withProject("liveness") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--health-fail-after", "500"))
                        port: auto
                        health: { http: /healthz, interval: 200ms, failure_threshold: 2 }
                        restart:
                          backoff: { initial: 10ms, max: 50ms }
                          give_up: { restarts: 100, within: 60s }
                        stop: { timeout: 2s }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let first = try await project.firstPID("web")

            let once = try await project.waitForStatus("web.0 restarted after failing its liveness check") {
                guard let replica = $0.replicas("web").first else { return false }
                return replica.restarts >= 1 && replica.pid != nil && replica.pid != first
            }
            let restarts = try #require(once.replicas("web").first?.restarts)
            #expect(!ProcessScan.isAlive(first, project: project.name))
            // The new process fails its checks in turn: the count keeps growing.
            _ = try await project.waitForStatus("web.0 restarted once more") {
                ($0.replicas("web").first?.restarts ?? 0) > restarts
            }
        }
    }

    @Test("a crash loop gives up as failed; up -d names it; restart clears it")
    func crashLoopFails() async throws {
        try await withProject("loop") { project in
            // Exits 3 until the file `gate` exists, then runs the fixture.
            let script = "if [ -f gate ]; then exec \(try Binaries.fixture); fi; echo gate closed >&2; exit 3"
            try project.writeManifest(
                services: """
                      job:
                        command: \(Self.yamlList(["sh", "-c", script]))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                        restart:
                          policy: always
                          backoff: { initial: 10ms, max: 50ms }
                          give_up: { restarts: 3, within: 30s }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 1, "\(up)")
            #expect(up.stderr.contains("job"), "up -d should name the failed service: \(up)")
            #expect(up.stderr.contains("status 3"), "up -d should tell how it exited: \(up)")

            let failed = try await project.waitForStatus("job.0 failed") {
                $0.replicas("job").first?.state == .failed
            }
            let replica = try #require(failed.replicas("job").first)
            #expect(replica.reason?.contains("exited with status 3") == true, "reason: \(replica.reason ?? "nil")")
            #expect(replica.restarts == 3)
            #expect(replica.pid == nil)
            #expect(replica.lastStderr?.contains("gate closed") == true, "\(replica.lastStderr ?? [])")

            // Still broken: restart clears the failure and it goes through its restarts again.
            let retry = try await project.berth(["restart", "job", "--timeout", "10s"], timeout: .seconds(30))
            #expect(retry.exitCode == 1, "\(retry)")
            let again = try await project.waitForStatus("job.0 failed again after the restart") {
                guard let replica = $0.replicas("job").first else { return false }
                return replica.state == .failed && replica.restarts >= 3 + 3
            }
            #expect(again.replicas("job").first?.reason?.contains("gave up") == true)

            // Fixed: restart brings it up for good.
            try project.write("", to: "\(project.root)/gate")
            let restart = try await project.berth(["restart", "job", "--timeout", "10s"], timeout: .seconds(30))
            #expect(restart.exitCode == 0, "\(restart)")
            let status = try await project.status()
            let running = try #require(status.replicas("job").first)
            #expect(running.state == .running && running.ready, "\(running)")
            #expect(running.restarts > again.replicas("job").first?.restarts ?? 0)
            #expect(running.reason == nil)
        }
    }

    @Test("a command that cannot be executed fails at once, without restarts, and not as a crash")
    func execFailure() async throws {
        try await withProject("exec") { project in
            try project.writeManifest(
                services: """
                      ghost:
                        command: ["/nonexistent/binary"]
                        restart: { policy: always, backoff: { initial: 10ms, max: 50ms } }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 1, "\(up)")
            #expect(up.stderr.contains("ghost"), "\(up)")

            let status = try await project.waitForStatus("ghost.0 failed") {
                $0.replicas("ghost").first?.state == .failed
            }
            let replica = try #require(status.replicas("ghost").first)
            let reason = replica.reason ?? ""
            #expect(reason.contains("could not start"), "reason: \(reason)")
            #expect(reason.contains("not found") && reason.contains("/nonexistent/binary"), "reason: \(reason)")
            #expect(replica.restarts == 0)
            #expect(replica.lastExit == nil, "an exec failure is not an exit: \(replica.lastExit ?? "")")
            #expect(replica.pid == nil)

            // It stays failed: nothing retries an exec that cannot succeed.
            try await Task.sleep(for: .milliseconds(300))
            let later = try #require(try await project.status().replicas("ghost").first)
            #expect(later.state == .failed && later.restarts == 0)
        }
    }
}
