import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The gateway inside the real daemon, under a bounded concurrent load, while replicas crash, scale and restart:
/// no request may fail.
extension IntegrationTests {
    /// Writes a manifest with a gateway on a free port routing `/` to `web`.
    private func writeGatewayManifest(_ project: TestProject, web: String) throws -> Int {
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
            \(web)
            """, to: project.manifestPath)
        return port
    }

    private func expectNoFailures(_ results: [LoadResult], _ what: String) {
        let failed = results.filter { $0.status != 200 }
        #expect(
            failed.isEmpty, "\(failed.count) of \(results.count) requests failed during \(what): \(failed.prefix(5))")
    }

    @Test("gateway: the default access log goes to access.log in the state directory, not to berthd.log")
    func gatewayAccessLogFile() async throws {
        try await withProject("gwaccess") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 200ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let results = await loadInBackground(port: port, path: "/sleep?ms=1", clients: 2, requests: 20)
            #expect(results.allSatisfy { $0.status == 200 })
            let path = project.stateDirectory + "/access.log"
            // Lines are flushed in batches: at the latest when the sweep runs (100 ms) or the last client leaves.
            let deadline = ContinuousClock.now + .seconds(5)
            var lines: [Substring] = []
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").filter { $0.contains("path=/sleep?ms=1") }
                if lines.count >= 40 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(lines.count == 40, "\(lines.count) access-log lines")
            #expect(lines.allSatisfy { $0.contains("status=200") && $0.contains("replica=web.0") })
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let daemonLog = (try? String(contentsOfFile: project.stateDirectory + "/berthd.log", encoding: .utf8)) ?? ""
            #expect(!daemonLog.contains("path=/sleep"))
        }
    }

    @Test("gateway: kill -9 of one replica under load -> zero failed requests")
    func gatewayKillUnderLoad() async throws {
        try await withProject("gwkill") { project in
            let port = try writeGatewayManifest(
                project,
                web: """
                        command: \(try Self.fixture())
                        replicas: 3
                        port: auto
                        ready: { http: /healthz, interval: 200ms }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let victim = try #require(try await project.status().replicas("web")[1].pid)
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 8, requests: 150)
            try await Task.sleep(for: .milliseconds(300))
            kill(victim, SIGKILL)
            expectNoFailures(await results, "a kill -9")
            let after = try await project.waitForStatus("all web replicas ready again") {
                $0.replicas("web").allSatisfy(\.ready)
            }
            #expect(after.replicas("web")[1].restarts >= 1)
        }
    }

    @Test("gateway: scale 4 -> 1 under load drains before stopping -> zero failed requests")
    func gatewayScaleDownUnderLoad() async throws {
        try await withProject("gwscale") { project in
            let port = try writeGatewayManifest(
                project,
                web: """
                        command: \(try Self.fixture())
                        replicas: 4
                        port: auto
                        ready: { http: /healthz, interval: 200ms }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            async let results = loadInBackground(port: port, path: "/sleep?ms=20", clients: 8, requests: 80)
            try await Task.sleep(for: .milliseconds(300))
            let scale = try await project.berth(["scale", "web=1", "--timeout", "20s"], timeout: .seconds(40))
            #expect(scale.exitCode == 0, "\(scale)")
            expectNoFailures(await results, "a scale-down")
            #expect(try await project.status().replicas("web").count == 1)
        }
    }

    @Test("gateway: restarting the only replica under load queues requests -> zero failed requests")
    func gatewayRestartSingleReplicaUnderLoad() async throws {
        try await withProject("gwrestart") { project in
            let port = try writeGatewayManifest(
                project,
                web: """
                        command: \(try Self.fixture())
                        port: auto
                        ready: { http: /healthz, interval: 100ms }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try #require(try await project.status().replicas("web")[0].pid)
            async let results = loadInBackground(port: port, path: "/pid", clients: 4, requests: 150)
            try await Task.sleep(for: .milliseconds(200))
            let restart = try await project.berth(["restart", "web", "--timeout", "20s"], timeout: .seconds(40))
            #expect(restart.exitCode == 0, "\(restart)")
            let all = await results
            expectNoFailures(all, "a restart of the only replica")
            let after = try #require(try await project.status().replicas("web")[0].pid)
            #expect(after != before)
            let answer = try await onThread { try TestHTTPConnection(port: port).get("/pid").text }
            #expect(answer == "\(after)", "the gateway sends requests to the new replica")
        }
    }

    @Test("gateway: a replica that is not ready yet gets no request")
    func gatewaySkipsReplicasThatAreNotReady() async throws {
        try await withProject("gwready") { project in
            let port = try writeGatewayManifest(
                project,
                web: """
                        command: \(try Self.fixture("--ready-after", "1500"))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            async let results = loadInBackground(port: port, path: "/ready", clients: 4, requests: 100)
            let scale = try await project.berth(["scale", "web=2", "--timeout", "20s"], timeout: .seconds(40))
            #expect(scale.exitCode == 0, "\(scale)")
            let all = await results
            // A request that reached a replica before its readiness check passed would read "not ready".
            #expect(!all.contains { $0.body.contains("not ready") }, "\(all.filter { $0.status != 200 }.prefix(3))")
            expectNoFailures(all, "a scale-up with slow readiness")
        }
    }
}
