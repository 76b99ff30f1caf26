import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

/// `watch:` through the real daemon and gateway: a saved file runs `build:` and rolls the service under load with no
/// failed request; a build that fails leaves the running version serving and says why in `berth events`.
extension IntegrationTests {
    /// A gateway on `port` routing `/` to `web`, two replicas of the fixture, built by `build` (a shell line run in
    /// the project folder) and watching `src` (editor swap files ignored).
    private func watchManifest(
        _ project: TestProject, port: Int, build: String, command: String? = nil,
        readyTimeout: String = "5s"
    ) throws {
        try FileManager.default.createDirectory(atPath: project.root + "/src", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: project.root + "/dist", withIntermediateDirectories: true)
        try project.write("one\n", to: project.root + "/src/version")
        try project.writeManifest(
            services: """
                  web:
                    command: \(try command ?? Self.fixture())
                    replicas: 2
                    port: auto
                    ready: { http: /ready, interval: 100ms }
                    rollout: { max_surge: 1, max_unavailable: 0, ready_timeout: \(readyTimeout) }
                    build: { command: [sh, -c, \(Self.yamlList([build]).dropFirst().dropLast())] }
                    watch: { paths: [src], ignore: ["*.swp"], debounce: 200ms }
                """,
            top: """
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: web }

                """)
    }

    /// `berth up -d --watch`: the documented way to turn `watch:` on.
    func upWatching(_ project: TestProject, _ more: [String] = []) async throws -> CommandResult {
        try await project.berth(
            ["up", "-d", "--watch", "-f", project.manifestPath, "--timeout", "20s"] + more, timeout: .seconds(40))
    }

    func watchEvents(_ project: TestProject) async throws -> [String] {
        let events = try await project.berth(["events", "--json", "-n", "200"], timeout: .seconds(10))
        return events.stdout.split(separator: "\n").map(String.init).filter { $0.contains(#""kind":"watch""#) }
    }

    @Test("watch: a changed file under gateway load builds and rolls the service out -> zero failed requests")
    func watchRollsOutUnderLoad() async throws {
        try await withProject("watchroll") { project in
            let port = freePort()
            try watchManifest(project, port: port, build: "cp src/version dist/version")
            #expect(try await upWatching(project).exitCode == 0)
            let before = try await project.status()
            #expect(before.service("web")?.generation == 1)
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 4, requests: 300)
            try await Task.sleep(for: .milliseconds(300))
            // An ignored file changes nothing; the real edit then builds and rolls once.
            try project.write("x", to: project.root + "/src/.version.swp")
            try project.write("two\n", to: project.root + "/src/version")
            let after = try await eventually("web at generation 2", timeout: .seconds(30)) { () -> StatusResponse? in
                let status = try await project.status()
                let replicas = status.replicas("web")
                return replicas.count == 2 && replicas.allSatisfy({ $0.generation == 2 && $0.ready }) ? status : nil
            }
            let failed = await results.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) requests failed during the watch rollout: \(failed.prefix(5))")
            #expect(try String(contentsOfFile: project.root + "/dist/version", encoding: .utf8) == "two\n")
            let beforePids = Set(before.replicas("web").compactMap(\.pid))
            #expect(Set(after.replicas("web").compactMap(\.pid)).isDisjoint(with: beforePids))
            let events = try await eventually("the rolled-out event", timeout: .seconds(10)) { () -> [String]? in
                let events = try await watchEvents(project)
                return events.contains { $0.contains("rolled out") } ? events : nil
            }
            #expect(events.contains { $0.contains("changed: src/version; building") }, "\(events)")
            #expect(!events.contains { $0.contains(".swp") }, "\(events)")
            #expect(try await project.status().service("web")?.generation == 2)
        }
    }

    @Test("watch: a failed build leaves the running version serving and emits an event saying why")
    func watchFailedBuildKeepsServing() async throws {
        try await withProject("watchfail") { project in
            let port = freePort()
            // Fails once src/broken exists (the first build, by berth up, succeeds).
            try watchManifest(project, port: port, build: "if [ -e src/broken ]; then echo 'syntax error'; exit 3; fi")
            #expect(try await upWatching(project).exitCode == 0)
            let before = try await project.status()
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 2, requests: 200)
            try project.write("oops\n", to: project.root + "/src/broken")
            let events = try await eventually("the build-failed event", timeout: .seconds(20)) { () -> [String]? in
                let events = try await watchEvents(project)
                return events.contains { $0.contains("build failed") } ? events : nil
            }
            let failedEvent = events.first { $0.contains("build failed") } ?? ""
            #expect(failedEvent.contains("exit") && failedEvent.contains("syntax error"), "\(failedEvent)")
            #expect(failedEvent.contains("the running version keeps serving"), "\(failedEvent)")
            let failed = await results.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) requests failed after a failed build: \(failed.prefix(5))")
            let after = try await project.status()
            #expect(after.service("web")?.generation == 1)
            #expect(after.replicas("web").compactMap(\.pid) == before.replicas("web").compactMap(\.pid))
            #expect(!events.contains { $0.contains("rolling out") }, "\(events)")
            let log = (try? String(contentsOfFile: project.daemonLog, encoding: .utf8)) ?? ""
            #expect(log.contains("build failed"), "the daemon's log says why")
            // What the terminal of a foreground `berth up` shows (the same stream as `berth logs`).
            let logs = try await project.berth(["logs", "-n", "100"], timeout: .seconds(10))
            #expect(logs.stdout.contains("berthd | web: build failed (exited with status 3"), "\(logs)")
            #expect(logs.stdout.contains("berthd | web: build | syntax error"), "\(logs)")
        }
    }

    @Test("watch: a replacement that never becomes ready is rolled back -> old replicas serve, an event says why")
    func watchUnreadyReplacementRollsBack() async throws {
        try await withProject("watchunready") { project in
            let port = freePort()
            // The fixture becomes ready after as many ms as the build copied into dist/ready-after.
            let script = project.root + "/run.sh"
            try project.write(
                "FIXTURE_READY_AFTER=$(cat dist/ready-after) exec \(try Binaries.fixture) \"$@\"\n",
                to: script)
            try watchManifest(
                project, port: port, build: "cp src/ready-after dist/ready-after",
                command: Self.yamlList(["/bin/sh", script]), readyTimeout: "2s")
            try project.write("0\n", to: project.root + "/src/ready-after")
            #expect(try await upWatching(project).exitCode == 0)
            let before = try await project.status()
            async let results = loadInBackground(port: port, path: "/sleep?ms=5", clients: 2, requests: 250)
            try project.write("3600000\n", to: project.root + "/src/ready-after")
            let events = try await eventually("the rollout-failed event", timeout: .seconds(30)) { () -> [String]? in
                let events = try await watchEvents(project)
                return events.contains { $0.contains("rollout failed") } ? events : nil
            }
            let failedEvent = events.first { $0.contains("rollout failed") } ?? ""
            #expect(failedEvent.contains("the running version keeps serving"), "\(failedEvent)")
            let failed = await results.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) requests failed around a rolled-back rollout: \(failed.prefix(5))")
            let after = try await project.status()
            #expect(after.replicas("web").compactMap(\.pid) == before.replicas("web").compactMap(\.pid))
            #expect(after.replicas("web").allSatisfy { $0.ready })
        }
    }
}
