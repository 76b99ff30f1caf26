import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daily habits with the real daemon: `berth reload` interpolates with the caller's environment, `up -d` counts
/// one-shot jobs apart, and a job's start is a log line of its own.
extension IntegrationTests {
    @Test("daily: reload interpolates ${...} with the environment of the berth that asks, not the daemon's")
    func reloadUsesTheCallersEnvironment() async throws {
        try await withProject("reload-env") { project in
            try project.writeManifest(
                services: """
                      echo:
                        command: ["/bin/sleep", "600"]
                        env: { XV: "${XV:-one}" }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            func value() async throws -> String? {
                let pid = try await project.firstPID("echo")
                return try Self.procEnvironment(pid)["XV"]
            }
            #expect(try await value() == "one")
            for expected in ["two", "three"] {
                project.extraEnvironment["XV"] = expected
                let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
                #expect(reload.exitCode == 0 && reload.stdout.contains("echo"), "\(reload)")
                let seen = try await eventually("XV=\(expected) in the new replica", timeout: .seconds(15)) {
                    try await value() == expected ? true : nil
                }
                #expect(seen)
            }
            // Unset in the caller: the default again, even though the daemon's environment never had XV.
            project.extraEnvironment.removeValue(forKey: "XV")
            let back = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(back.exitCode == 0, "\(back)")
            #expect(
                try await eventually("XV=one again", timeout: .seconds(15)) {
                    try await value() == "one" ? true : nil
                })
        }
    }

    @Test("daily: up -d counts a one-shot job apart, and the job logs started then completed")
    func upCountsJobsApart() async throws {
        try await withProject("jobs") { project in
            try project.writeManifest(
                services: """
                      migrate:
                        command: ["/bin/true"]
                        restart: { policy: on-failure }
                      web:
                        command: ["/bin/sleep", "600"]
                        depends_on: { migrate: completed }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            #expect(up.stdout.contains("is up: 1 service ready, 1 job completed"), "\(up)")
            let logs = try await eventually("the job's lines", timeout: .seconds(10)) { () -> String? in
                let text = try await project.berth(["logs", "migrate"]).stdout
                return text.contains("completed") ? text : nil
            }
            #expect(logs.contains("started (pid"), "\(logs)")
            #expect(!logs.contains("ready (pid"), "\(logs)")
        }
    }

    @Test("daily: up NAME starts it and its dependencies only; profiles; start pulls in dependencies")
    func partialUpAndProfiles() async throws {
        try await withProject("partial") { project in
            try project.writeManifest(
                services: """
                      db:
                        command: ["/bin/sleep", "600"]
                      api:
                        command: ["/bin/sleep", "600"]
                        depends_on: [db]
                      other:
                        command: ["/bin/sleep", "600"]
                      cache:
                        command: ["/bin/sleep", "600"]
                      tool:
                        command: ["/bin/sleep", "600"]
                        profiles: [debug]
                        depends_on: [cache]
                    """)
            let up = try await project.berth(["up", "-d", "api", "--timeout", "20s"], timeout: .seconds(40))
            #expect(up.exitCode == 0 && up.stdout.contains("is up: 2 services ready"), "\(up)")
            func running() async throws -> Set<String> {
                Set(try await project.status().services.filter { $0.replicas.contains { $0.pid != nil } }.map(\.name))
            }
            #expect(try await running() == ["db", "api"])
            // A daemon that runs already: `up` with a profile starts the profile's services and their dependencies.
            project.extraEnvironment["BERTH_PROFILES"] = "debug"
            let profiled = try await project.berth(["up", "-d", "tool", "--timeout", "20s"], timeout: .seconds(40))
            #expect(profiled.exitCode == 0, "\(profiled)")
            #expect(try await running() == ["db", "api", "cache", "tool"])
            project.extraEnvironment.removeValue(forKey: "BERTH_PROFILES")
            let start = try await project.berth(["start", "other"])
            #expect(start.exitCode == 0, "\(start)")
            #expect(try await running() == ["db", "api", "cache", "tool", "other"])
        }
    }

    @Test("daily: without names, a service with profiles starts only when one is active; start pulls in deps")
    func profilesGateUpAndStartPullsDependencies() async throws {
        try await withProject("profiles") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: ["/bin/sleep", "600"]
                      mock:
                        command: ["/bin/sleep", "600"]
                        profiles: [dev]
                      debug:
                        command: ["/bin/sleep", "600"]
                        profiles: [tools]
                        depends_on: [mock]
                    """)
            let up = try await project.berth(
                ["up", "-d", "--profile", "dev", "--timeout", "20s"], timeout: .seconds(40))
            #expect(up.exitCode == 0 && up.stdout.contains("is up: 2 services ready"), "\(up)")
            func running() async throws -> Set<String> {
                Set(try await project.status().services.filter { $0.replicas.contains { $0.pid != nil } }.map(\.name))
            }
            #expect(try await running() == ["web", "mock"])
            let stop = try await project.berth(["stop", "mock"])
            #expect(stop.exitCode == 0, "\(stop)")
            let start = try await project.berth(["start", "debug"])
            #expect(start.exitCode == 0, "\(start)")
            #expect(try await running() == ["web", "mock", "debug"], "debug's dependency started with it")
            // A reload that adds a service with an inactive profile makes it known, not started.
            try project.writeManifest(
                services: """
                      web:
                        command: ["/bin/sleep", "600"]
                      mock:
                        command: ["/bin/sleep", "600"]
                        profiles: [dev]
                      debug:
                        command: ["/bin/sleep", "600"]
                        profiles: [tools]
                        depends_on: [mock]
                      extra:
                        command: ["/bin/sleep", "600"]
                        profiles: [later]
                    """)
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0 && reload.stdout.contains("start extra (new)"), "\(reload)")
            #expect(try await project.status().service("extra") != nil)
            #expect(try await running() == ["web", "mock", "debug"], "extra's profile is not active")
        }
    }

    @Test("daily: berth run SERVICE -- CMD runs with the service's env, secrets, workdir and user; its exit code")
    func runOneOffCommand() async throws {
        try await withProject("run") { project in
            let work = project.root + "/work"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            try project.write("DB_PASSWORD=hunter2\n", to: project.root + "/db.secrets")
            chmod(project.root + "/db.secrets", 0o600)
            let asNobody = geteuid() == 0 ? "    user: nobody\n" : ""
            try project.writeManifest(
                services: """
                      api:
                        command: \(try Self.fixture())
                        port: auto
                      web:
                        command: ["/bin/sleep", "600"]
                        workdir: work
                        env: { LEVEL: "${LEVEL:-info}", WHO: "${BERTH_SERVICE}" }
                        secrets: db.secrets
                    """ + "\n" + asNobody)
            chmod(work, 0o755)
            chmod(project.root, 0o755)
            project.extraEnvironment["LEVEL"] = "debug"
            let script = "echo level=$LEVEL who=$WHO pw=$DB_PASSWORD; pwd; id -u; exit 7"
            let run = try await project.berth(["-f", project.manifestPath, "run", "web", "--", "/bin/sh", "-c", script])
            #expect(run.exitCode == 7, "the command's own exit status: \(run)")
            #expect(run.stdout.contains("level=debug who=web pw=hunter2"), "\(run)")
            #expect(run.stdout.contains("\n" + work + "\n") || run.stdout.contains(work), "\(run)")
            if geteuid() == 0 {
                #expect(run.stdout.contains("\n65534\n"), "ran as nobody: \(run)")
            }
            // exec: the same, with one running replica's PORT and BERTH_REPLICA.
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let port = try #require(try await project.status().replicas("api").first?.port)
            let exec = try await project.berth(
                ["exec", "api.0", "--", "/bin/sh", "-c", "echo port=$PORT r=$BERTH_REPLICA"])
            #expect(exec.exitCode == 0 && exec.stdout.contains("port=\(port) r=0"), "\(exec)")
            let missing = try await project.berth(["run", "web", "--", "/no/such/program"])
            #expect(missing.exitCode == 127, "\(missing)")
            let unknown = try await project.berth(["run", "wbe", "--", "true"])
            #expect(unknown.exitCode == 64 && unknown.stderr.contains("did you mean 'web'"), "\(unknown)")
        }
    }

    @Test("daily: a secret's variable sent by reload is masked in every replica's output, like the daemon's own")
    func reloadedSecretValuesAreMasked() async throws {
        try await withProject("reload-secret") { project in
            func manifest(_ round: Int) throws {
                try project.writeManifest(
                    services: """
                          db:
                            command: ["/bin/sleep", "600"]
                            env: { PW: { secret: "${DBPW:-first-secret-value}" } }
                          leak:
                            command: ["/bin/sh", "-c", "echo round\(round)=$COPY; exec /bin/sleep 600"]
                            env: { COPY: "${DBPW:-first-secret-value}" }
                        """)
            }
            try manifest(1)
            #expect(try await project.upDetached().exitCode == 0)
            let fresh = "rotated-" + String(UInt64.random(in: 1 << 40...1 << 50), radix: 36)
            project.extraEnvironment["DBPW"] = fresh
            try manifest(2)
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            let logs = try await eventually("round 2 printed", timeout: .seconds(10)) { () -> String? in
                let text = try await project.berth(["logs", "leak", "-n", "100"]).stdout
                return text.contains("round2=") ? text : nil
            }
            #expect(!logs.contains(fresh), "the reloaded value is masked: \(logs)")
            #expect(logs.contains("round2=(secret)"), "\(logs)")
        }
    }
}
