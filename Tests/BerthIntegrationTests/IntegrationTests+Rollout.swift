import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Zero-downtime changes through the real daemon and gateway, under a bounded concurrent load: rolling restarts,
/// reloads of an edited manifest, scale-down and a rollout that is rolled back. No request may fail.
extension IntegrationTests {
    /// A manifest with a gateway on `port` routing `/` to `web` (and `/extra` to `extra` when it exists).
    private func rolloutManifest(
        _ project: TestProject, port: Int, web: String, others: String = "", extraRoute: Bool = false
    ) throws {
        let route = extraRoute ? "\n    - { path: /extra, service: extra, strip_prefix: true }" : ""
        try project.write(
            """
            name: \(project.name)
            gateway:
              listen: 127.0.0.1:\(port)
              access_log: false
              routes:
                - { path: /, service: web }\(route)
            services:
              web:
            \(web)
            \(others)
            """, to: project.manifestPath)
    }

    private func webSpec(replicas: Int, env: String = "one", extra: String = "") throws -> String {
        """
            command: \(try Self.fixture())
            replicas: \(replicas)
            port: auto
            env: { VERSION: \(env)\(extra) }
            ready: { http: /ready, interval: 100ms }
            rollout: { max_surge: 1, max_unavailable: 0, ready_timeout: 2s }
        """
    }

    private func expectZeroFailures(_ results: [LoadResult], _ what: String) {
        let failed = results.filter { $0.status != 200 }
        #expect(!results.isEmpty)
        #expect(
            failed.isEmpty, "\(failed.count) of \(results.count) requests failed during \(what): \(failed.prefix(5))")
    }

    private func pids(_ status: StatusResponse, _ service: String) -> [Int32] {
        status.replicas(service).compactMap(\.pid)
    }

    @Test("rollout: rolling restart of 3 replicas under load -> new pids, generation 2, zero failed requests")
    func rollingRestartUnderLoad() async throws {
        try await withProject("rollrestart") { project in
            let port = freePort()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 3))
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            #expect(before.service("web")?.generation == 1)
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 250)
            try await Task.sleep(for: .milliseconds(200))
            let restart = try await project.berth(["restart", "web", "--timeout", "30s"], timeout: .seconds(45))
            #expect(restart.exitCode == 0, "\(restart)")
            expectZeroFailures(await results, "a rolling restart")
            let after = try await project.status()
            let replicas = after.replicas("web")
            #expect(replicas.map(\.index) == [0, 1, 2])
            #expect(replicas.allSatisfy { $0.generation == 2 && $0.ready })
            #expect(after.service("web")?.generation == 2)
            #expect(Set(pids(after, "web")).isDisjoint(with: pids(before, "web")))
            for pid in pids(before, "web") { #expect(!ProcessScan.isAlive(pid, project: project.name)) }
        }
    }

    @Test("rollout: rolling restart of a one-replica fixed-port service -> stop then start, requests queue, none fail")
    func rollingRestartFixedPort() async throws {
        try await withProject("rollfixed") { project in
            let port = freePort()
            try rolloutManifest(
                project, port: port,
                web: try webSpec(replicas: 1).replacingOccurrences(of: "port: auto", with: "port: \(freePort())"))
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 150)
            try await Task.sleep(for: .milliseconds(200))
            let restart = try await project.berth(["restart", "web", "--timeout", "30s"], timeout: .seconds(45))
            #expect(restart.exitCode == 0, "\(restart)")
            expectZeroFailures(await results, "a stop-then-start restart of a fixed port")
            let after = try await project.status()
            #expect(after.replicas("web").count == 1)
            #expect(after.replicas("web")[0].port == before.replicas("web")[0].port)
            #expect(after.replicas("web")[0].generation == 2)
            #expect(pids(after, "web") != pids(before, "web"))
        }
    }

    @Test("rollout: reload with a changed env rolls only that service -> zero failed requests")
    func reloadChangedEnvUnderLoad() async throws {
        try await withProject("rollenv") { project in
            let port = freePort()
            let other = """
                  other:
                    command: \(try Self.fixture())
                    port: auto
                """
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 2), others: other)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 2, env: "two"), others: other)
            let dryRun = try await project.berth(["reload", "--dry-run"])
            #expect(dryRun.exitCode == 0, "\(dryRun)")
            #expect(dryRun.stdout.contains("roll web (changed: env)"), "\(dryRun.stdout)")
            #expect(try await project.status().replicas("web").map(\.pid) == before.replicas("web").map(\.pid))
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 200)
            try await Task.sleep(for: .milliseconds(200))
            let reload = try await project.berth(["reload", "--timeout", "30s"], timeout: .seconds(45))
            #expect(reload.exitCode == 0, "\(reload)")
            expectZeroFailures(await results, "a reload with a changed env")
            let after = try await project.status()
            #expect(after.replicas("web").allSatisfy { $0.generation == 2 })
            #expect(Set(pids(after, "web")).isDisjoint(with: pids(before, "web")))
            for pid in pids(after, "web") {
                #expect(ProcessScan.environment(of: pid)?.contains("VERSION=two") == true)
            }
            #expect(pids(after, "other") == pids(before, "other"), "an untouched service keeps its processes")
            #expect(after.service("other")?.generation == 1)
        }
    }

    @Test("rollout: reload that adds and removes services -> web undisturbed, zero failed requests")
    func reloadAddsAndRemovesServices() async throws {
        try await withProject("rolladd") { project in
            let port = freePort()
            let old = """
                  legacy:
                    command: \(try Self.fixture())
                    port: auto
                """
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 2), others: old)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let legacy = pids(before, "legacy")
            let extra = """
                  extra:
                    command: \(try Self.fixture())
                    port: auto
                    depends_on: { web: ready }
                    ready: { http: /ready, interval: 100ms }
                """
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 2), others: extra, extraRoute: true)
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 150)
            try await Task.sleep(for: .milliseconds(100))
            let reload = try await project.berth(["reload", "--timeout", "30s"], timeout: .seconds(45))
            #expect(reload.exitCode == 0, "\(reload)")
            expectZeroFailures(await results, "a reload adding and removing services")
            let after = try await project.status()
            #expect(pids(after, "web") == pids(before, "web"))
            #expect(after.service("legacy") == nil)
            #expect(after.replicas("extra").count == 1 && after.replicas("extra").allSatisfy(\.ready))
            for pid in legacy { #expect(!ProcessScan.isAlive(pid, project: project.name)) }
            let answer = try await onThread { try TestHTTPConnection(port: port).get("/extra/pid").text }
            #expect(answer == "\(pids(after, "extra").first ?? -1)", "the new route reaches the new service")
        }
    }

    @Test("rollout: scale 4 -> 1 under load keeps replica 0 and its pid -> zero failed requests")
    func scaleDownKeepsTheFirstReplica() async throws {
        try await withProject("rollscale") { project in
            let port = freePort()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 4))
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            async let results = loadInBackground(port: port, path: "/sleep?ms=10", clients: 6, requests: 80)
            try await Task.sleep(for: .milliseconds(200))
            let scale = try await project.berth(["scale", "web=1", "--timeout", "20s"], timeout: .seconds(40))
            #expect(scale.exitCode == 0, "\(scale)")
            expectZeroFailures(await results, "a scale-down")
            let after = try await project.status()
            #expect(after.replicas("web").map(\.index) == [0])
            #expect(pids(after, "web") == [before.replicas("web")[0].pid].compactMap { $0 })
            #expect(after.replicas("web")[0].generation == 1)
            // A reload of the unchanged manifest keeps the count set with `berth scale`.
            let reload = try await project.berth(["reload"])
            #expect(reload.exitCode == 0, "\(reload)")
            #expect(reload.stdout.contains("nothing to change"), "\(reload.stdout)")
            #expect(try await project.status().replicas("web").count == 1)
        }
    }

    @Test("rollout: a version that never becomes ready is rolled back -> old pids serve, zero failed requests")
    func neverReadyIsRolledBack() async throws {
        try await withProject("rollback") { project in
            let port = freePort()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 2))
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            try rolloutManifest(
                project, port: port,
                web: try webSpec(replicas: 2, env: "broken", extra: ", FIXTURE_READY_AFTER: 600000"))
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 250)
            try await Task.sleep(for: .milliseconds(100))
            let reload = try await project.berth(["reload", "--timeout", "30s"], timeout: .seconds(45))
            #expect(reload.exitCode == 1, "\(reload)")
            #expect(reload.stderr.contains("rolled back"), "\(reload)")
            #expect(reload.stderr.contains("not ready within 2s"), "\(reload)")
            expectZeroFailures(await results, "a rolled-back rollout")
            let after = try await project.status()
            #expect(pids(after, "web") == pids(before, "web"))
            #expect(after.replicas("web").allSatisfy { $0.generation == 1 && $0.ready })
            #expect(after.service("web")?.generation == 1)
            #expect(after.service("web")?.rollout?.contains("rolled back") == true)
        }
    }

    @Test("rollout: an invalid edited manifest is rejected whole with its diagnostics; nothing changes")
    func invalidReloadChangesNothing() async throws {
        try await withProject("rollinvalid") { project in
            let port = freePort()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 1))
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 1) + "\n    bogus_key: 1")
            let reload = try await project.berth(["reload"])
            #expect(reload.exitCode == 1, "\(reload)")
            #expect(reload.stderr.contains("berth.yaml:"), "file:line:column diagnostics: \(reload)")
            #expect(try await project.status().replicas("web").map(\.pid) == before.replicas("web").map(\.pid))
            // Set only in the CLI's environment: the daemon interpolates with the values the CLI sends, so the
            // edited manifest is valid for both (it was refused while the daemon used its own environment).
            try rolloutManifest(project, port: port, web: try webSpec(replicas: 1, env: "\"${ONLY_IN_CLI}\""))
            project.extraEnvironment["ONLY_IN_CLI"] = "x"
            let daemonSide = try await project.berth(["reload"])
            project.extraEnvironment["ONLY_IN_CLI"] = nil
            #expect(daemonSide.exitCode == 0, "\(daemonSide)")
            #expect(daemonSide.stdout.contains("roll web (changed: env)"), "\(daemonSide)")
            // A listen address cannot change while the daemon runs.
            try rolloutManifest(project, port: freePort(), web: try webSpec(replicas: 1))
            let refused = try await project.berth(["reload"])
            #expect(refused.exitCode == 1, "\(refused)")
            #expect(refused.stderr.contains("restart the daemon to change gateway.listen"), "\(refused)")
        }
    }

    @Test("rollout: berth up against the running daemon rebuilds and rolls a service whose build inputs changed")
    func upAfterARebuildRollsTheService() async throws {
        try await withProject("rollbuild") { project in
            try project.write("1\n", to: project.root + "/input.txt")
            let web =
                try webSpec(replicas: 1)
                + "\n    build: { command: [\"sh\", \"-c\", \"cp input.txt built.txt\"], inputs: [input.txt] }"
            try rolloutManifest(project, port: freePort(), web: web)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let same = try await project.upDetached()
            #expect(same.exitCode == 0, "\(same)")
            #expect(same.stdout.contains("nothing to change"), "\(same)")
            #expect(pids(try await project.status(), "web") == pids(before, "web"))
            // A changed input: the build runs again, and the running replica is replaced by one of the new build.
            try await Task.sleep(for: .milliseconds(20))
            try project.write("2\n", to: project.root + "/input.txt")
            let rebuilt = try await project.upDetached()
            #expect(rebuilt.exitCode == 0, "\(rebuilt)")
            #expect(rebuilt.stdout.contains("roll web (changed: build output)"), "\(rebuilt)")
            let after = try await project.status()
            #expect(after.replicas("web").map(\.generation) == [2])
            #expect(pids(after, "web") != pids(before, "web"))
        }
    }
}
