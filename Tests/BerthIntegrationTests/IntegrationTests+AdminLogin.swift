import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

/// Issue #13, finding 1, for real: a daemon started without `admin.token`, another user (uid 65534 through
/// setpriv) with curl against its loopback admin listener, and the owner logging in with `berth dashboard`.
extension IntegrationTests {
    @Test(
        "without admin.token another uid gets 401 from the admin listener; berth dashboard logs the owner in",
        .enabled(
            if: getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0 && access("/usr/bin/curl", X_OK) == 0,
            "skipped: needs root, /usr/bin/setpriv and /usr/bin/curl to run curl as uid 65534"
        )
    )
    func adminListenerAuthenticatesEveryone() async throws {
        try await withProject("admin-login") { project in
            chmod(project.root, 0o755)
            let port = freePort()
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                    """, top: "admin: 127.0.0.1:\(port)\n")
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let base = "http://127.0.0.1:\(port)"

            // Another user: nothing but the login page and 401s; the open probes answer (Prometheus' convention).
            let page = try await curlAsNobody(project, ["-s", "-w", "\n%{http_code}", base + "/"])
            #expect(page.stdout.hasSuffix("\n401"), "\(page)")
            #expect(page.stdout.contains("berth dashboard") && !page.stdout.contains("berth-csrf"), "\(page)")
            let code = ["-s", "-o", "/dev/null", "-w", "%{http_code}"]
            for path in ["/api/state", "/api/logs?service=web", "/assets/dashboard.js"] {
                let answer = try await curlAsNobody(project, code + [base + path])
                #expect(answer.stdout == "401", "\(path): \(answer)")
            }
            let stop = try await curlAsNobody(
                project,
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                    "-H", "Origin: \(base)", "-d", "{}", base + "/api/services/web/stop",
                ])
            #expect(stop.stdout == "401", "\(stop)")
            let metrics = try await curlAsNobody(project, code + [base + "/metrics"])
            #expect(metrics.stdout == "200", "\(metrics)")
            let rebound = try await curlAsNobody(
                project,
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: rebind.example:\(port)",
                    base + "/metrics",
                ])
            #expect(rebound.stdout == "403", "\(rebound)")
            // Nor can they get a login link: that comes from the owner-only control socket.
            let link = try await project.start(
                "/usr/bin/setpriv",
                ["--reuid=65534", "--regid=65534", "--clear-groups", try Binaries.berth, "dashboard"]
            ).wait(timeout: .seconds(15))
            #expect(link.exitCode == 77 && !link.stdout.contains("/login?code="), "\(link)")
            #expect(try await project.status().replicas("web").first?.state == .running)

            // The generated token: in the state directory, 0600, 64 hex digits; it works as a bearer token.
            let tokenFile = project.stateDirectory + "/admin-token"
            var info = stat()
            #expect(lstat(tokenFile, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_uid == getuid())
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines)
            #expect(token.count == 64)
            let scripted = try await onThread {
                try TestHTTPConnection(port: port).get("/api/state", headers: ["Authorization": "Bearer \(token)"])
            }
            #expect(scripted.status == 200 && scripted.text.contains("\"web\""))

            // The owner: a one-time link, exchanged once for a cookie that serves the page.
            let owner = try await project.berth(["dashboard"])
            let url = owner.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(owner.exitCode == 0 && url.hasPrefix(base + "/login?code="), "\(owner)")
            let target = String(url.dropFirst(base.count))
            let host = "127.0.0.1:\(port)"
            typealias Response = TestHTTPConnection.Response
            let (login, replay, signedIn) = try await onThread { () -> (Response, Response, Response) in
                let connection = try TestHTTPConnection(port: port)
                try connection.send("GET \(target) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                let login = try connection.readResponse()
                try connection.send("GET \(target) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                let replay = try connection.readResponse()
                let cookie = login.header("set-cookie")?.split(separator: ";").first.map(String.init) ?? ""
                try connection.send("GET / HTTP/1.1\r\nHost: \(host)\r\nCookie: \(cookie)\r\n\r\n")
                return (login, replay, try connection.readResponse())
            }
            #expect(login.status == 303 && login.header("location") == "/", "\(login)")
            #expect(login.header("set-cookie")?.contains("; HttpOnly; SameSite=Strict") == true)
            #expect(replay.status == 401)
            #expect(signedIn.status == 200 && signedIn.text.contains("berth-csrf"))
            let cookie = login.header("set-cookie")?.split(separator: ";").first.map(String.init) ?? ""

            // A restart keeps the token file and forgets every session.
            #expect(try await project.berth(["down", "--timeout", "10s"]).exitCode == 0)
            #expect(try await project.upDetached().exitCode == 0)
            let kept = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines)
            #expect(kept == token)
            let stale = try await onThread {
                let connection = try TestHTTPConnection(port: port)
                try connection.send("GET /api/state HTTP/1.1\r\nHost: \(host)\r\nCookie: \(cookie)\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(stale.status == 401)
        }
    }

    private func curlAsNobody(_ project: TestProject, _ arguments: [String]) async throws -> CommandResult {
        let command = try project.start(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/curl", "--max-time", "10"] + arguments)
        return await command.wait(timeout: .seconds(15))
    }
}
