import BerthControlProtocol
import Testing

@testable import BerthAdmin

/// The dashboard's request decisions: reads never change state, writes need same-origin, the CSRF token and JSON
/// (who may ask at all is `AdminAccess`'s decision: `AdminAccessTests`).
@Suite struct DashboardRouterTests {
    static let csrf = "c5rf0123456789abcdef"
    let open = DashboardRouter(csrfToken: Self.csrf)

    func get(_ target: String, host: String = "127.0.0.1:9090", _ extra: [(String, String)] = []) -> DashboardRequest {
        DashboardRequest(method: "GET", target: target, headers: [("Host", host)] + extra)
    }

    /// A POST as the page sends it: same-origin, token, JSON.
    func post(
        _ target: String, body: String = "{}", host: String = "127.0.0.1:9090",
        headers: [(String, String)]? = nil, extra: [(String, String)] = []
    ) -> DashboardRequest {
        let standard = [
            ("Host", host), ("Origin", "http://\(host)"), ("Sec-Fetch-Site", "same-origin"),
            ("X-Berth-CSRF", Self.csrf), ("Content-Type", "application/json"),
        ]
        return DashboardRequest(
            method: "POST", target: target, headers: (headers ?? standard) + extra,
            body: Array(body.utf8))
    }

    func status(_ action: DashboardRouter.Action) -> Int? {
        if case .respond(let response) = action { return response.status }
        return nil
    }

    @Test func readsAreServedOnGETAndOtherPathsGoToTheAdminRouter() {
        #expect(open.route(get("/")) == .page)
        #expect(open.route(get("/api/state")) == .snapshot)
        #expect(open.route(get("/api/events")) == .events)
        #expect(open.route(get("/assets/dashboard.js")) == .asset(.script))
        #expect(open.route(get("/assets/dashboard.css")) == .asset(.style))
        #expect(status(open.route(get("/assets/other.js"))) == 404)
        #expect(
            open.route(get("/api/logs?service=web&replica=2"))
                == .logs(LogQuery(service: "web", replica: 2, tail: 200, follow: true)))
        #expect(status(open.route(get("/api/logs"))) == 400)
        #expect(status(open.route(get("/api/logs?service=web&replica=x"))) == 400)
        // audit5: a replica that cannot exist streamed nothing; `+1` and a repeated parameter were accepted.
        #expect(status(open.route(get("/api/logs?service=web&replica=1000"))) == 400)
        #expect(status(open.route(get("/api/logs?service=web&replica=%2B1"))) == 400)
        #expect(status(open.route(get("/api/logs?service=web&replica=1&replica=2"))) == 400)
        #expect(status(open.route(get("/api/logs?service=web&service=api"))) == 400)
        #expect(
            open.route(get("/api/logs?service=web&replica=999"))
                == .logs(LogQuery(service: "web", replica: 999, tail: 200, follow: true)))
        #expect(open.route(get("/metrics")) == .admin)
        #expect(open.route(get("/healthz")) == .admin)
        #expect(status(open.route(get("/api/nope"))) == 404)
    }

    @Test func aGETCannotChangeState() {
        for path in [
            "/api/scale", "/api/services/web/restart", "/api/services/web/stop", "/api/services/web/start",
            "/api/services/web/replicas/0/stop", "/api/services/web/replicas/0/start",
        ] {
            let action = open.route(get(path, [("X-Berth-CSRF", Self.csrf)]))
            #expect(status(action) == 405, "\(path)")
            if case .respond(let response) = action { #expect(response.headers.contains { $0 == ("Allow", "POST") }) }
        }
        #expect(status(open.route(post("/api/state"))) == 405)
        var head = get("/api/state")
        head.method = "HEAD"
        #expect(open.route(head) == .snapshot)
        head.target = "/api/events"
        #expect(status(open.route(head)) == 405)  // A stream has no end to send after the head.
        #expect(status(open.route(post("/"))) == 405)
    }

    @Test func aSameOriginPOSTWithTheTokenRunsTheOperation() {
        let timeout = DashboardRouter.operationTimeoutMilliseconds
        #expect(
            open.route(post("/api/scale", body: #"{"service":"web","replicas":3}"#))
                == .perform(.scale(ScaleRequest(services: ["web": 3], timeoutMilliseconds: timeout))))
        #expect(
            open.route(post("/api/services/web/restart"))
                == .perform(.restart(service: "web", timeoutMilliseconds: timeout)))
        #expect(
            open.route(post("/api/services/web/stop")) == .perform(.stop(service: "web", timeoutMilliseconds: timeout)))
        #expect(
            open.route(post("/api/services/my%2Dapp/start"))
                == .perform(.start(service: "my-app", timeoutMilliseconds: timeout)))
        #expect(status(open.route(post("/api/services/web/explode"))) == 404)
        #expect(
            open.route(post("/api/services/web/replicas/2/stop"))
                == .perform(.replica(service: "web", index: 2, action: .stop, timeoutMilliseconds: timeout)))
        #expect(
            open.route(post("/api/services/web/replicas/0/start"))
                == .perform(.replica(service: "web", index: 0, action: .start, timeoutMilliseconds: timeout)))
        #expect(status(open.route(post("/api/services/web/replicas/x/stop"))) == 400)
        #expect(status(open.route(post("/api/services/web/replicas/1/explode"))) == 404)
        // A client without Origin/Sec-Fetch-Site (curl) works with the CSRF token.
        let curl = post(
            "/api/services/web/restart",
            headers: [
                ("Host", "localhost:9090"), ("X-Berth-CSRF", Self.csrf), ("Content-Type", "application/json"),
            ])
        #expect(open.route(curl) == .perform(.restart(service: "web", timeoutMilliseconds: timeout)))
    }

    @Test func crossSitePOSTsAreRefused() {
        let path = "/api/services/web/restart"
        let refusals: [(String, DashboardRequest)] = [
            ("other origin", post(path, extra: []).replacing("Origin", "http://evil.example")),
            ("null origin", post(path).replacing("Origin", "null")),
            ("other port", post(path).replacing("Origin", "http://127.0.0.1:9091")),
            ("cross-site fetch", post(path).replacing("Sec-Fetch-Site", "cross-site")),
            ("same-site fetch", post(path).replacing("Sec-Fetch-Site", "same-site")),
            ("no CSRF token", post(path).removing("X-Berth-CSRF")),
            ("wrong CSRF token", post(path).replacing("X-Berth-CSRF", "c5rf0123456789abcdeX")),
        ]
        for (why, request) in refusals {
            #expect(status(open.route(request)) == 403, "\(why)")
        }
        // A form post (the only cross-site POST a browser sends without CORS preflight) is not JSON.
        #expect(status(open.route(post(path).replacing("Content-Type", "application/x-www-form-urlencoded"))) == 415)
        #expect(status(open.route(post("/api/scale", body: #"{"service":"web"}"#))) == 400)
        #expect(status(open.route(post("/api/scale", body: #"{"service":"web","replicas":1001}"#))) == 400)
    }

    @Test func thePageEmbedsTheEscapedTokenAndProjectAndLoadsOnlyLocalAssets() {
        let html = DashboardPage.html(project: "<shop>", csrfToken: "abc")
        #expect(html.contains(#"<meta name="berth-csrf" content="abc">"#))
        #expect(html.contains("&lt;shop&gt;"))
        #expect(!html.contains("<shop>"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(DashboardPage.contentSecurityPolicy.contains("script-src 'self'"))
        #expect(Dashboard.newToken().count == 64)
        #expect(Dashboard.newToken() != Dashboard.newToken())
    }
}

extension DashboardRequest {
    func replacing(_ name: String, _ value: String) -> DashboardRequest {
        var copy = self
        copy.headers = headers.map { $0.0.lowercased() == name.lowercased() ? ($0.0, value) : $0 }
        return copy
    }

    func removing(_ name: String) -> DashboardRequest {
        var copy = self
        copy.headers = headers.filter { $0.0.lowercased() != name.lowercased() }
        return copy
    }

    func adding(_ name: String, _ value: String) -> DashboardRequest {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }
}
