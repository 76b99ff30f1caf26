import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    /// grpcio's health server (Tests/grpc/health_server.py), its statuses driven by a file in the project.
    private static let healthServer: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.path + "/grpc/health_server.py"
    }()

    @Test("a grpc-probed replica is ready only while its health server says SERVING; NOT_SERVING fails liveness")
    func grpcProbeFollowsTheHealthServer() async throws {
        try await withProject("grpc") { project in
            let statusFile = project.root + "/status"
            // 'berth.Test' (readiness) NOT_SERVING, the overall status (liveness) SERVING.
            try project.write("NOT_SERVING SERVING\n", to: statusFile)
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            try project.writeManifest(
                services: """
                      api:
                        command: \(Self.yamlList(["python3", Self.healthServer, "${PORT}", statusFile]))
                        env: { PATH: "\(path)" }
                        port: auto
                        ready: { grpc: { service: berth.Test }, interval: 100ms, timeout: 2s }
                        health: { grpc: true, interval: 200ms, timeout: 2s, failure_threshold: 2, initial_delay: 3s }
                        restart:
                          backoff: { initial: 2s, max: 2s }
                          give_up: { restarts: 100, within: 60s }
                        stop: { timeout: 2s }
                    """)
            let up = try project.start(
                try Binaries.berth, ["up", "-d", "-f", project.manifestPath, "--timeout", "30s"])
            let started = try await project.waitForStatus("api.0 started", timeout: .seconds(20)) {
                $0.replicas("api").first?.pid != nil
            }
            let first = try #require(started.replicas("api").first?.pid)
            // The server answers NOT_SERVING for 'berth.Test' (after its start, ~1 s): the replica is not ready.
            try await Task.sleep(for: .seconds(4))
            let waiting = try #require(try await project.status().replicas("api").first)
            #expect(!waiting.ready && waiting.pid == first && waiting.restarts == 0, "\(waiting)")
            #expect(up.isRunning, "berth up -d returned before the replica was ready: \(up.stdout) \(up.stderr)")

            try project.write("SERVING SERVING\n", to: statusFile)
            _ = try await project.waitForStatus("api.0 ready once SERVING") {
                $0.replicas("api").first.map { $0.ready && $0.pid == first } ?? false
            }
            let result = await up.wait(timeout: .seconds(30))
            #expect(result.exitCode == 0, "\(result)")

            // The overall status flips to NOT_SERVING: two failed liveness checks, and the replica is replaced.
            try project.write("SERVING NOT_SERVING\n", to: statusFile)
            _ = try await project.waitForStatus("api.0 restarted after NOT_SERVING", timeout: .seconds(20)) {
                guard let replica = $0.replicas("api").first else { return false }
                return replica.restarts >= 1 && replica.pid != nil && replica.pid != first
            }
            #expect(!ProcessScan.isAlive(first, project: project.name))
            // The new process fails in turn (its server reads the same file); the second failure in a row waits out
            // a 2 s backoff, with the probe's own words as the reason.
            _ = try await project.waitForStatus("api.0 in backoff, NOT_SERVING as the reason", timeout: .seconds(20)) {
                $0.replicas("api").first?.reason == "liveness check failed 2 times: NOT_SERVING"
            }
        }
    }
}
