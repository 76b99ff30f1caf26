import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Resource limits through the real daemon: each is a clear error, the daemon keeps answering, nothing is
/// corrupted, and it recovers when the condition goes.
extension IntegrationTests {
    @Test("limits: berthd under ulimit -n 128 caps gateway clients, refuses spawns clearly, never runs out")
    func lowFileLimit() async throws {
        try await withProject("nofile") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    replicas: 2
                    port: auto
                    ready: { http: /ready, interval: 100ms }
                """, to: project.manifestPath)
            let up = try await project.start(
                "/usr/bin/prlimit",
                ["--nofile=128:128", try Binaries.berth, "up", "-d", "-f", project.manifestPath, "--timeout", "20s"]
            ).wait(timeout: .seconds(40))
            #expect(up.exitCode == 0, "\(up)")
            let daemon = try await project.status().daemonPID
            let warning = try await project.berth(["logs", "-n", "50"])
            #expect(warning.stdout.contains("open files limit is 128"), "\(warning)")
            // "the gateway takes at most N client connections": N depends on what the daemon has open at start.
            let cap = try #require(
                warning.stdout.components(separatedBy: "the gateway takes at most ").dropFirst().first
                    .flatMap { Int($0.prefix { $0.isNumber }) }, "\(warning)")
            #expect((4..<30).contains(cap), "cap \(cap)")

            // 60 clients at once: `cap` are served, the rest are closed at accept; the daemon never fills its table.
            let answers = try await onThread { () -> [Int] in
                var connections: [TestHTTPConnection] = []
                for _ in 0..<60 {
                    if let connection = try? TestHTTPConnection(port: port, timeoutSeconds: 5) {
                        connections.append(connection)
                    }
                }
                // Status per connection, 0 when it was closed without an answer.
                return connections.map { connection in (try? connection.get("/ready"))?.status ?? 0 }
            }
            let served = answers.filter { $0 == 200 }.count
            #expect(served == cap && answers.count == 60 && answers.allSatisfy { $0 == 200 || $0 == 0 }, "\(answers)")
            #expect(ProcessScan.isAlive(daemon), "berthd survived a full gateway")
            #expect(try await project.status().replicas("web").allSatisfy(\.ready))

            // More replicas than descriptors: the extra ones fail with a clear reason, the daemon keeps answering.
            let scale = try await project.berth(["scale", "web=60", "--timeout", "10s"], timeout: .seconds(30))
            #expect(scale.exitCode != 0)
            #expect(scale.stderr.contains("too many open files to start a process"), "\(scale)")
            #expect(ProcessScan.isAlive(daemon))
            let back = try await project.berth(["scale", "web=2", "--timeout", "10s"], timeout: .seconds(30))
            #expect(back.exitCode == 0, "\(back)")
            let status = try await project.status().replicas("web")
            #expect(status.count == 2 && status.allSatisfy(\.ready), "\(status)")
            let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd").count
            #expect(fds < 128 - 16, "berthd holds \(fds) descriptors")
        }
    }
}
