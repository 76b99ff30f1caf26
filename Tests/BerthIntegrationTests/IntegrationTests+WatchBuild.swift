import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `watch:` beyond the happy path: on only with `berth up --watch` (or `enabled: true`), a build past `build_timeout`
/// is killed with its process group and leaves the old version serving, a good watch build records the fingerprint
/// `berth up` compares (no rebuild at the next `up`), and the build runs as the service's `user:`.
extension IntegrationTests {
    /// One replica of `sleep`, built by `build` (a shell line) in the project folder, watching `src`.
    private func buildManifest(_ project: TestProject, build: String, watch: String = "") throws {
        try FileManager.default.createDirectory(atPath: project.root + "/src", withIntermediateDirectories: true)
        try project.write("one\n", to: project.root + "/src/version")
        try project.writeManifest(
            services: """
                  app:
                    command: ["/bin/sleep", "600"]
                    build: { command: [sh, -c, \(Self.yamlList([build]).dropFirst().dropLast())], inputs: [src] }
                    watch: { paths: [src], debounce: 200ms\(watch) }
                """)
    }

    @Test("watch: off without --watch; after a watch build, berth up finds the build up to date")
    func watchNeedsTheFlagAndRecordsItsFingerprint() async throws {
        try await withProject("watchflag") { project in
            try buildManifest(project, build: "cat src/version >> built")
            let up = try await project.upDetached()
            #expect(up.exitCode == 0 && up.output.contains("running sh -c"), "\(up)")
            // Without --watch, an edit changes nothing.
            try project.write("two\n", to: project.root + "/src/version")
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await watchEvents(project).isEmpty)
            #expect(try await project.status().service("app")?.generation == 1)
            // berth up --watch to the running daemon turns it on (and builds the edit it missed at this up).
            let watching = try await upWatching(project)
            #expect(watching.exitCode == 0, "\(watching)")
            try project.write("three\n", to: project.root + "/src/version")
            _ = try await eventually("the watch rollout", timeout: .seconds(30)) { () -> Bool? in
                try await watchEvents(project).contains { $0.contains("rolled out") } ? true : nil
            }
            let built = try String(contentsOfFile: project.root + "/built", encoding: .utf8)
            #expect(built.hasSuffix("three\n"), "\(built)")
            let generation = try await project.status().service("app")?.generation
            // The watch recorded its build: the next berth up neither builds nor rolls the service again.
            let again = try await project.upDetached()
            #expect(again.exitCode == 0 && again.output.contains("up to date, skipped"), "\(again)")
            #expect(try String(contentsOfFile: project.root + "/built", encoding: .utf8) == built)
            #expect(try await project.status().service("app")?.generation == generation)
        }
    }

    @Test("watch: a build past build_timeout is killed with its children; the old version keeps running")
    func watchBuildTimeout() async throws {
        try await withProject("watchtimeout") { project in
            // Once src/slow exists, the build starts a child (its pid recorded) and never ends.
            try buildManifest(
                project,
                build: "if [ -e src/slow ]; then sleep 300 & echo $! > child.pid; sleep 300; fi",
                watch: ", build_timeout: 1s, enabled: true")
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            try project.write("x\n", to: project.root + "/src/slow")
            let events = try await eventually("the build-failed event", timeout: .seconds(20)) { () -> [String]? in
                let events = try await watchEvents(project)
                return events.contains { $0.contains("build failed") } ? events : nil
            }
            let failed = events.first { $0.contains("build failed") } ?? ""
            // Killed about 1 s after it started, by the events' own times (berth events takes a while to answer).
            let building = events.first { $0.contains("building:") } ?? ""
            let took = try #require(Self.eventTime(failed)) - (try #require(Self.eventTime(building)))
            #expect(took > 0.9 && took < 4, "\(events)")
            #expect(failed.contains("timed out after 1s (build_timeout), killed"), "\(failed)")
            #expect(failed.contains("the running version keeps serving"), "\(failed)")
            // The build's child went with it (the whole process group was killed).
            let child = try #require(
                Int32(
                    try String(contentsOfFile: project.root + "/child.pid", encoding: .utf8).trimmingCharacters(
                        in: .whitespacesAndNewlines)))
            _ = try await eventually("the build's child gone", timeout: .seconds(5)) { () -> Bool? in
                kill(child, 0) != 0 ? true : nil
            }
            let after = try await project.status()
            #expect(after.service("app")?.generation == 1)
            #expect(after.replicas("app").compactMap(\.pid) == before.replicas("app").compactMap(\.pid))
        }
    }

    @Test(
        "watch: the build runs as the service's user: its files are nobody's, root's files stay untouched",
        .enabled(if: geteuid() == 0, "needs root: berthd switches users only as root"))
    func watchBuildRunsAsTheServiceUser() async throws {
        try await withProject("watchuser") { project in
            let nobody = try #require(getpwnam("nobody")?.pointee.pw_uid)
            // nobody may cross the project folder and write in app/, not in app/dist (root's).
            chmod(project.root, 0o711)
            let app = project.root + "/app"
            try FileManager.default.createDirectory(atPath: app + "/src", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: app + "/dist", withIntermediateDirectories: true)
            chmod(app, 0o777)
            chmod(app + "/src", 0o755)
            chmod(app + "/dist", 0o755)
            let build =
                "[ -e src/go ] || exit 0; id -u > uid; touch made; "
                + "if echo x > dist/root-owned 2>/dev/null; then echo wrote > result; else echo denied > result; fi"
            try project.writeManifest(
                services: """
                      app:
                        command: ["/bin/sleep", "600"]
                        user: nobody
                        workdir: /tmp
                        build: { command: [sh, -c, \(Self.yamlList([build]).dropFirst().dropLast())], workdir: app }
                        watch: { paths: [app/src], debounce: 200ms }
                    """)
            #expect(try await upWatching(project).exitCode == 0)
            try project.write("x\n", to: app + "/src/go")
            _ = try await eventually("the watch rollout", timeout: .seconds(30)) { () -> Bool? in
                try await watchEvents(project).contains { $0.contains("rolled out") } ? true : nil
            }
            let uid = try String(contentsOfFile: app + "/uid", encoding: .utf8)
            #expect(uid == "\(nobody)\n")
            let made = try FileManager.default.attributesOfItem(atPath: app + "/made")
            #expect((made[.ownerAccountID] as? NSNumber)?.uint32Value == nobody)
            #expect(try String(contentsOfFile: app + "/result", encoding: .utf8) == "denied\n")
            #expect(!FileManager.default.fileExists(atPath: app + "/dist/root-owned"))
        }
    }

    /// The `time` of a `berth events --json` line.
    static func eventTime(_ line: String) -> Double? {
        guard let range = line.range(of: #""time":"#) else { return nil }
        return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
}
