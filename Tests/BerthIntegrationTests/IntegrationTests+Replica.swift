import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `berth stop web.1` / `berth start web.1`: one replica held stopped while the others serve, through the real
/// daemon and gateway.
extension IntegrationTests {
    @Test("replica: stop web.1 under load holds it stopped (restart, rollout, scale leave it), start web.1 revives it")
    func stopAndStartOneReplica() async throws {
        try await withProject("replica") { project in
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
                    replicas: 3
                    port: auto
                    restart: { policy: always, backoff: { initial: 50ms } }
                    ready: { http: /ready, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status().replicas("web")
            let victim = try #require(before[1].pid)

            // Stopping one replica under load: drained first, no request fails, the others keep their pids.
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 150)
            try await Task.sleep(for: .milliseconds(150))
            let stop = try await project.berth(["stop", "web.1", "--timeout", "20s"], timeout: .seconds(30))
            #expect(stop.exitCode == 0, "\(stop)")
            #expect(stop.stdout.contains("web.1 stopped"), "\(stop)")
            let failed = await results.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) requests failed while web.1 stopped: \(failed.prefix(3))")
            #expect(!ProcessScan.isAlive(victim), "web.1 (pid \(victim)) still runs")

            // It stays stopped: no restart by policy, and a service-level restart leaves it alone.
            try await Task.sleep(for: .milliseconds(600))
            var replicas = try await project.status().replicas("web")
            #expect(replicas[1].state == .stopped && replicas[1].held == true && replicas[1].pid == nil, "\(replicas)")
            #expect(replicas[0].pid == before[0].pid && replicas[2].pid == before[2].pid)
            let table = try await project.berth(["status"])
            #expect(table.stdout.contains("stays stopped until `berth start web.1`"), "\(table)")
            let restart = try await project.berth(["restart", "web", "--timeout", "30s"], timeout: .seconds(45))
            #expect(restart.exitCode == 0, "a restart with a held replica completes: \(restart)")
            let scale = try await project.berth(["scale", "web=4", "--timeout", "20s"], timeout: .seconds(30))
            #expect(scale.exitCode == 0, "a scale with a held replica completes: \(scale)")
            replicas = try await project.status().replicas("web")
            #expect(replicas.map(\.index) == [0, 1, 2, 3])
            #expect(replicas[1].state == .stopped && replicas[1].held == true, "\(replicas)")
            #expect([0, 2, 3].allSatisfy { replicas[$0].ready }, "\(replicas)")
            #expect(replicas[0].generation == 2, "the restart rolled the serving replicas: \(replicas)")

            // Bad targets are clear errors and change nothing.
            let missing = try await project.berth(["stop", "web.9"])
            #expect(missing.exitCode != 0 && missing.stderr.contains("web has no replica 9"), "\(missing)")
            let unknown = try await project.berth(["start", "nope.0"])
            #expect(unknown.exitCode != 0 && unknown.stderr.contains("nope"), "\(unknown)")
            let malformed = try await project.berth(["stop", "web.x.1"])
            #expect(malformed.exitCode != 0, "\(malformed)")

            // Started again: a new process with the service's current spec, in rotation.
            let start = try await project.berth(["start", "web.1", "--timeout", "20s"], timeout: .seconds(30))
            #expect(start.exitCode == 0 && start.stdout.contains("web.1 started"), "\(start)")
            replicas = try await project.status().replicas("web")
            #expect(replicas[1].ready && replicas[1].held == nil && replicas[1].pid != victim, "\(replicas)")
            #expect(replicas[1].generation == 2, "a held replica comes back with the current spec: \(replicas)")

            // `berth start web` releases every hold.
            #expect(try await project.berth(["stop", "web.0"]).exitCode == 0)
            #expect(try await project.berth(["stop", "web.3"]).exitCode == 0)
            let all = try await project.berth(["start", "web", "--timeout", "20s"], timeout: .seconds(30))
            #expect(all.exitCode == 0, "\(all)")
            replicas = try await project.status().replicas("web")
            #expect(replicas.allSatisfy { $0.ready && $0.held == nil }, "\(replicas)")
            #expect(project.markedPIDs.sorted() == replicas.compactMap(\.pid).sorted(), "no stray processes")
        }
    }
}
