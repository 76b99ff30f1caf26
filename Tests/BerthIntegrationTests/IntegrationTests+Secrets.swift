import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Secrets with the real daemon: the replica sees them (its environment in /proc, an exec probe comparing a hash),
/// and every output surface is searched for the values: zero hits.
extension IntegrationTests {
    @Test("secrets: the replica gets them; status, control API, dashboard, logs, journal, export never show them")
    func secretsNeverLeave() async throws {
        try await withProject("secrets") { project in
            let inline = "inl-" + String(UInt64.random(in: 1 << 40...1 << 50), radix: 36)
            let filed = "fil-" + String(UInt64.random(in: 1 << 40...1 << 50), radix: 36)
            let changed = "chg-" + String(UInt64.random(in: 1 << 40...1 << 50), radix: 36)
            let values = [inline, filed, changed]
            let adminPort = freePort()
            let driver = journalIsLive ? "journald" : "file"
            let secretsFile = project.root + "/app.secrets"
            try project.write("API_TOKEN=\(filed)\n", to: secretsFile)
            chmod(secretsFile, 0o600)
            let digest = try await Self.sha256(project, inline)
            // The replica prints both secrets on stdout and stderr; `flaky` prints one and fails, so that status
            // carries its last stderr lines and the events its exits.
            try project.writeManifest(
                services: """
                      web:
                        command: ["/bin/sh", "-c", "echo \\"db=$DB_PASSWORD token=$API_TOKEN\\"; echo \\"err $DB_PASSWORD\\" >&2; exec \(try Binaries.fixture)"]
                        image: example/web:1
                        port: auto
                        env: { PLAIN: visible, DB_PASSWORD: { secret: "${IT_SECRET}" } }
                        secrets: app.secrets
                        ready:
                          exec: ["/bin/sh", "-c", "test \\"$(printf %s \\"$DB_PASSWORD\\" | sha256sum | cut -c1-64)\\" = \(digest)"]
                          interval: 100ms
                      flaky:
                        command: ["/bin/sh", "-c", "echo \\"boom $API_TOKEN\\" >&2; exit 3"]
                        image: example/flaky:1
                        secrets: app.secrets
                        restart: { backoff: { initial: 200ms, max: 1s } }
                    """, top: "log: { driver: \(driver) }\nadmin: { listen: 127.0.0.1:\(adminPort) }\n")
            project.extraEnvironment["IT_SECRET"] = inline

            let check = try await project.berth(["check", "-f", project.manifestPath])
            #expect(check.exitCode == 0, "\(check)")
            // `flaky` never becomes ready: `up` gives up waiting after 3 s and the daemon runs on.
            _ = try await project.berth(
                ["up", "-d", "-f", project.manifestPath, "--timeout", "3s"],
                timeout: .seconds(30))
            let status = try await project.waitForStatus("web ready, flaky restarting", timeout: .seconds(20)) {
                $0.replicas("web").first?.ready == true && ($0.replicas("flaky").first?.restarts ?? 0) >= 1
                    && !($0.replicas("flaky").first?.lastStderr ?? []).isEmpty
            }
            // The replica really has them (the exec probe passed on the hash; /proc shows the values).
            let pid = try #require(status.replicas("web").first?.pid)
            let environment = try Self.procEnvironment(pid)
            #expect(environment["DB_PASSWORD"] == inline && environment["API_TOKEN"] == filed)
            #expect(environment["PLAIN"] == "visible")
            #expect(environment["IT_SECRET"] == nil, "the variable a secret came from is not inherited")
            #expect(status.replicas("flaky").first?.lastStderr?.contains("boom (secret)") == true, "\(status)")

            var surfaces: [(String, String)] = []
            func keep(_ name: String, _ text: String) { surfaces.append((name, text)) }
            keep("status", try await project.berth(["status"]).output)
            keep("status --json", try await project.berth(["status", "--json"]).output)
            // Wait for the replica's line (masked), but search whatever was found: a leak must show as a leak.
            var logs = ""
            let masked = try? await eventually("the replica's masked line in berth logs", timeout: .seconds(10)) {
                () -> Bool? in
                logs = try await project.berth(["logs", "--json", "-n", "1000"]).output
                return logs.contains("db=(secret) token=(secret)") || logs.contains("token=" + filed) ? true : nil
            }
            #expect(masked == true && logs.contains("db=(secret) token=(secret)"), "\(logs)")
            keep("logs --json", logs)
            keep("logs", try await project.berth(["logs", "-n", "1000"]).output)
            let socket = project.socket
            for path in ["/v1/status", "/v1/logs?tail=1000"] {
                keep(path, try await Self.curl(project, ["--unix-socket", socket, "http://berthd" + path]))
            }
            let dashboard = "http://127.0.0.1:\(adminPort)"
            // The admin listener always authenticates: the token berthd generated in the state directory.
            let token = try String(contentsOfFile: project.stateDirectory + "/admin-token", encoding: .utf8)
            let bearer = ["-H", "Authorization: Bearer " + token.trimmingCharacters(in: .newlines)]
            keep("/api/state", try await Self.curl(project, bearer + [dashboard + "/api/state"]))
            // The event and log streams never end: read each for 2 s, all at once.
            let streams = [
                ("/v1/events", ["--unix-socket", socket, "http://berthd/v1/events?tail=200"]),
                ("/api/events", bearer + [dashboard + "/api/events"]),
                ("/api/logs?service=web", bearer + [dashboard + "/api/logs?service=web"]),
                ("/api/logs?service=flaky", bearer + [dashboard + "/api/logs?service=flaky"]),
            ]
            let running = try streams.map { name, arguments in
                (name, try project.start("/usr/bin/curl", ["-s", "-S", "-N", "--max-time", "2"] + arguments))
            }
            for (name, command) in running {
                let result = await command.wait(timeout: .seconds(10))
                #expect(result.exitCode == 28, "curl \(name) ends by --max-time: \(result)")
                keep(name, result.stdout)
            }
            #expect(
                surfaces.first { $0.0 == "/api/logs?service=web" }?.1.contains("(secret)") == true,
                "the dashboard's log stream shows the masked line")

            // A changed secret is a change for reload (by fingerprint), and the plan shows no value.
            try project.write("API_TOKEN=\(changed)\n", to: secretsFile)
            let dryRun = try await project.berth(["reload", "--dry-run"])
            #expect(dryRun.output.contains("roll web (changed: env)"), "\(dryRun)")
            keep("reload --dry-run", dryRun.output)
            // An invalid manifest's diagnostics (a broken secrets line) quote nothing of it.
            try project.write("API_TOKEN=\(changed)\n\(changed)\n", to: secretsFile)
            keep("reload (invalid)", try await project.berth(["reload"]).output)
            keep("check (invalid)", try await project.berth(["check", "-f", project.manifestPath]).output)
            try project.write("API_TOKEN=\(filed)\n", to: secretsFile)

            keep(
                "export kubernetes",
                try await project.berth(["export", "kubernetes", "-f", project.manifestPath])
                    .output)
            let units = project.root + "/units"
            let systemd = try await project.berth(["export", "systemd", "-f", project.manifestPath, "-o", units])
            #expect(systemd.exitCode == 0, "\(systemd)")
            keep("export systemd", systemd.output)
            let unitFiles = try FileManager.default.subpathsOfDirectory(atPath: units)
            let secretFiles = unitFiles.filter { $0.hasSuffix(".secrets") }
            #expect(secretFiles.sorted() == ["\(project.name)-flaky.secrets", "\(project.name)-web.secrets"])
            for file in unitFiles where !secretFiles.contains(file) {
                keep("unit " + file, (try? String(contentsOfFile: units + "/" + file, encoding: .utf8)) ?? "")
            }
            var info = stat()
            stat(units + "/\(project.name)-web.secrets", &info)
            #expect(info.st_mode & 0o777 == 0o600)
            let webSecrets = try String(contentsOfFile: units + "/\(project.name)-web.secrets", encoding: .utf8)
            #expect(webSecrets.contains("DB_PASSWORD=\"\(inline)\""), "the EnvironmentFile holds the value")

            if driver == "journald" {
                let journal = try project.start(
                    "/usr/bin/journalctl",
                    ["BERTH_PROJECT=\(project.name)", "-o", "json", "--no-pager"])
                let result = await journal.wait(timeout: .seconds(15))
                #expect(result.exitCode == 0 && result.stdout.contains("(secret)"), "\(result)")
                keep("journal", result.stdout)
            }
            // Every file berthd wrote (its log, the file driver's logs, state.json, ...) and every command's output.
            _ = try await project.berth(["down", "--timeout", "10s"], timeout: .seconds(20))
            for directory in [project.stateDirectory, project.root + "/out"] {
                for file in (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? [] {
                    guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else {
                        continue
                    }
                    keep(directory + "/" + file, text)
                }
            }
            #expect(surfaces.count > 20, "\(surfaces.map(\.0))")
            for (name, text) in surfaces {
                for value in values {
                    #expect(!text.contains(value), "\(name) shows a secret:\n\(text.prefix(2000))")
                }
            }
        }
    }

    static func curl(_ project: TestProject, _ arguments: [String]) async throws -> String {
        let command = try project.start("/usr/bin/curl", ["-s", "-S"] + arguments)
        let result = await command.wait(timeout: .seconds(10))
        #expect(result.exitCode == 0, "curl \(arguments): \(result)")
        return result.stdout
    }

    static func sha256(_ project: TestProject, _ text: String) async throws -> String {
        let path = project.root + "/sha-input"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = await (try project.start("/usr/bin/sha256sum", [path])).wait(timeout: .seconds(10))
        return String(result.stdout.prefix(64))
    }
}
