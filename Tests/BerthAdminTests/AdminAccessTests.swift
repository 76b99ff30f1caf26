import Testing

@testable import BerthAdmin

/// Who may ask the admin listener anything (issue #13, findings 1 and 9): every page and API request needs the
/// bearer token or a live session cookie; `/login`, open probes and cookies also need a loopback Host.
@Suite struct AdminAccessTests {
    static let token = "admin-token-0123456789abcdef"
    static let port = 9090
    /// berthd's loopback listener with a generated token.
    let loopback = AdminAccess(token: Self.token, loopback: true, openProbes: true)
    /// A listener off loopback (the manifest must then name the token): probes need it too.
    let remote = AdminAccess(token: Self.token, loopback: false, openProbes: false)

    func request(
        _ target: String, method: String = "GET", host: String = "127.0.0.1:9090", _ extra: [(String, String)] = []
    ) -> DashboardRequest {
        DashboardRequest(method: method, target: target, headers: [("Host", host)] + extra)
    }

    func decide(
        _ access: AdminAccess, _ request: DashboardRequest, sessions: Set<String> = []
    ) -> AdminAccess.Decision {
        access.decide(request, listenerPort: Self.port) { sessions.contains($0) }
    }

    func status(_ decision: AdminAccess.Decision) -> Int? {
        if case .refuse(let response) = decision { return response.status }
        return nil
    }

    func text(_ decision: AdminAccess.Decision) -> String {
        if case .refuse(let response) = decision { return String(decoding: response.body, as: UTF8.self) }
        return ""
    }

    @Test func withoutACredentialThePageAndTheAPIAnswerNothing() {
        for path in ["/api/state", "/api/events", "/api/logs?service=web", "/assets/dashboard.js", "/nope"] {
            let decision = decide(loopback, request(path))
            #expect(status(decision) == 401, "\(path)")
            #expect(text(decision).contains("berth dashboard"), "\(path)")
        }
        #expect(status(decide(loopback, request("/api/services/web/stop", method: "POST"))) == 401)
        // The page: a login-instructions page, never the dashboard (which embeds the CSRF token).
        let page = decide(loopback, request("/"))
        #expect(status(page) == 401)
        #expect(text(page).contains("<code>berth dashboard</code>"))
        #expect(!text(page).contains("berth-csrf"))
        if case .refuse(let response) = page {
            #expect(response.contentType == "text/html; charset=utf-8")
            #expect(response.headers.contains { $0.0 == "Content-Security-Policy" })
        }
    }

    @Test func theBearerTokenOrALiveSessionCookieLetsIn() {
        let bearer = [("Authorization", "Bearer \(Self.token)")]
        #expect(decide(loopback, request("/api/state", bearer)) == .allow)
        #expect(decide(loopback, request("/", [("authorization", "bearer \(Self.token)")])) == .allow)
        for wrong in ["Bearer \(Self.token)x", "Bearer admin-token", "Basic abc", "Bearer ", ""] {
            #expect(status(decide(loopback, request("/api/state", [("Authorization", wrong)]))) == 401, "\(wrong)")
        }
        let cookie = [("Cookie", "theme=dark; berth_session_9090=s3ss10n; other=1")]
        #expect(decide(loopback, request("/", cookie), sessions: ["s3ss10n"]) == .allow)
        #expect(decide(loopback, request("/api/events", cookie), sessions: ["s3ss10n"]) == .allow)
        // Unknown or expired session, another port's cookie, the session id under another name: nothing.
        #expect(status(decide(loopback, request("/", cookie), sessions: ["other"])) == 401)
        let otherPort = [("Cookie", "berth_session_9091=s3ss10n")]
        #expect(status(decide(loopback, request("/", otherPort), sessions: ["s3ss10n"])) == 401)
        let otherName = [("Cookie", "session=s3ss10n")]
        #expect(status(decide(loopback, request("/", otherName), sessions: ["s3ss10n"])) == 401)
    }

    @Test func probesAreOpenOnALoopbackListenerWithAGeneratedTokenOnly() {
        #expect(decide(loopback, request("/metrics")) == .allow)
        #expect(decide(loopback, request("/healthz")) == .allow)
        #expect(status(decide(remote, request("/metrics", host: "berth.example:9090"))) == 401)
        let bearer = [("Authorization", "Bearer \(Self.token)")]
        #expect(decide(remote, request("/metrics", host: "berth.example:9090", bearer)) == .allow)
    }

    /// DNS rebinding: a page at evil.example, resolved to 127.0.0.1, sends `Host: evil.example:9090`.
    @Test func openProbesLoginAndCookiesNeedALoopbackHostWithTheListenersPort() {
        for host in ["127.0.0.1:9090", "localhost:9090", "LOCALHOST:9090", "[::1]:9090", "127.1.2.3:9090"] {
            #expect(decide(loopback, request("/metrics", host: host)) == .allow, "\(host)")
        }
        let hostile = [
            "evil.example:9090", "127.0.0.1.evil.example:9090", "127.example.com:9090", "", "[::2]:9090",
            "localhost:x", "10.0.0.1:9090", "127.0.0.1:9091", "127.0.0.1", "localhost", "127.0.0.1:09090x",
            "127.0.0.1:+9090", "127.0.0.256:9090", "127.0.0:9090", "0x7f.0.0.1:9090", "127.00.0.1:9090",
            "[::1]9090", "[::1", "127.0.0.1:9090:9090",
        ]
        for host in hostile {
            #expect(status(decide(loopback, request("/metrics", host: host))) == 403, "\(host.debugDescription)")
            #expect(status(decide(loopback, request("/login?code=abc", host: host))) == 403, "\(host.debugDescription)")
            let cookie = request("/api/state", host: host, [("Cookie", "berth_session_9090=s")])
            #expect(status(decide(loopback, cookie, sessions: ["s"])) == 403, "\(host.debugDescription)")
        }
        #expect(status(decide(loopback, DashboardRequest(method: "GET", target: "/metrics"))) == 403)
        // Port 80 may go unsaid.
        #expect(AdminAccess.isLoopbackHost("127.0.0.1", port: 80))
        #expect(AdminAccess.isLoopbackHost("localhost:80", port: 80))
        // Off loopback there is no Host to expect: the token guards everything.
        #expect(decide(remote, request("/login?code=abc", host: "berth.example")) == .login(code: "abc"))
    }

    @Test func loginTakesACodeOnGETOnly() {
        #expect(decide(loopback, request("/login?code=c0de")) == .login(code: "c0de"))
        #expect(status(decide(loopback, request("/login"))) == 400)
        #expect(status(decide(loopback, request("/login?code="))) == 400)
        #expect(status(decide(loopback, request("/login?code=%zz"))) == 400)
        #expect(status(decide(loopback, request("/login?code=c0de", method: "POST"))) == 405)
        #expect(status(decide(loopback, request("/login?code=c0de", method: "HEAD"))) == 405)
    }

    @Test func aGoodCodeSetsAStrictHttpOnlyCookieAndRedirectsAway() {
        let response = AdminAccess.loginResponse(
            session: "s3ss10n", port: 9090, lifetime: .seconds(3600), secure: false)
        #expect(response.status == 303)
        #expect(response.headers.contains { $0 == ("Location", "/") })
        let cookie = response.headers.first { $0.0 == "Set-Cookie" }?.1
        #expect(cookie == "berth_session_9090=s3ss10n; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict")
        let secure = AdminAccess.loginResponse(session: "s", port: 443, lifetime: .seconds(60), secure: true)
        #expect(secure.headers.first { $0.0 == "Set-Cookie" }?.1.hasSuffix("; Secure") == true)
        let refused = AdminAccess.loginResponse(session: nil, port: 9090, lifetime: .seconds(60), secure: false)
        #expect(refused.status == 401)
        #expect(!refused.headers.contains { $0.0 == "Set-Cookie" })
        #expect(String(decoding: refused.body, as: UTF8.self).contains("already used"))
    }

    /// Finding 9: `127.example.com` is a host name, not a loopback address.
    @Test func loopbackListenAddressesAreIPLiteralsOrLocalhost() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            #expect(AdminConfiguration.isLoopback(host), "\(host)")
        }
        for host in ["127.example.com", "127.0.0.1.nip.io", "0.0.0.0", "::", "10.0.0.1", "127.0.0", "127.0.0.1x"] {
            #expect(!AdminConfiguration.isLoopback(host), "\(host)")
        }
    }
}
