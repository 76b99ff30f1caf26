import BerthControlProtocol
import Testing

@testable import BerthAdmin

/// Path traversal and cross-origin state changes against the dashboard's router (docs/hostile-input.md).
extension DashboardRouterTests {
    /// Static assets are an enumeration, not files: no spelling of a path reaches anything but the two assets.
    @Test(arguments: [
        "/assets/../api/state", "/assets/%2e%2e/api/state", "/assets/..%2Fapi%2Fstate", "/assets/%252e%252e/x",
        "/assets/dashboard.js/..", "/assets/./dashboard.js", "/assets//dashboard.js", "/assets/dashboard.js%00",
        "/assets/dashboard.js\u{0}", "/assets/..\\dashboard.js", "/assets/%5c..%5cdashboard.js", "/assets/",
        "/assets/DASHBOARD.JS", "/assets/dashboard.js/", "/assets/%64ashboard.js", "/assets/../../etc/passwd",
    ])
    func assetPathsOtherThanTheTwoAssetsAre404(target: String) {
        #expect(status(open.route(get(target))) == 404, "\(target.debugDescription)")
    }

    /// Paths that are not exactly a dashboard path go to the admin router, which only knows exact paths.
    @Test(arguments: [
        "/%2e%2e/metrics", "/api/../metrics", "//api/state", "/api/state/..", "/api/./state", "/api//state",
        "/api/%73tate", "/api/state%00", "/api\\state", "http://127.0.0.1:9090/api/state", "/etc/passwd", "*",
    ])
    func traversalSpellingsOfAPIPathsServeNothing(target: String) {
        let action = open.route(get(target))
        switch action {
        case .respond(let response): #expect([400, 404].contains(response.status), "\(target.debugDescription)")
        case .admin:
            let router = AdminRouter(metrics: { [] })
            let answer = router.respond(method: "GET", target: target)
            #expect(answer.status == 404, "\(target.debugDescription)")
        case .page, .asset, .snapshot, .events, .logs, .perform:
            Issue.record("\(target.debugDescription) was served: \(action)")
        }
    }

    /// Service names in action paths, log queries and scale bodies follow the manifest's rule, whatever the escaping.
    @Test(arguments: [
        "%2e%2e", "..", "a%2Fb", "%2F", "a%5Cb", "%00", "web%00", "%252e%252e", "-web", "web.1", "%2Fetc%2Fpasswd",
    ])
    func hostileServiceNamesAre400(name: String) {
        #expect(status(open.route(post("/api/services/\(name)/restart"))) == 400, "\(name)")
        #expect(status(open.route(get("/api/logs?service=\(name)"))) == 400, "\(name)")
        // The replica action path too (it used to pass the raw name on to the supervisor).
        #expect(status(open.route(post("/api/services/\(name)/replicas/0/stop"))) == 400, "\(name)")
    }

    @Test func hostileServiceNamesInTheScaleBodyAre400() {
        for name in ["..", "a/b", "a\\\\b", "\\u0000", "/etc/passwd", "web.1"] {
            let body = #"{"service":"\#(name)","replicas":1}"#
            #expect(status(open.route(post("/api/scale", body: body))) == 400, "\(body)")
        }
    }

    /// Every state-changing endpoint refuses every cross-origin spelling, with the right CSRF token.
    @Test(arguments: ["/api/scale", "/api/services/web/restart", "/api/services/web/stop", "/api/services/web/start"])
    func crossOriginStateChangesAreRefusedOnEveryEndpoint(path: String) {
        let body = path == "/api/scale" ? #"{"service":"web","replicas":1}"# : "{}"
        #expect(status(open.route(post(path, body: body))) == nil, "the same-origin request itself must pass")
        let origins = [
            "http://evil.example", "null", "http://127.0.0.1:9091", "http://127.0.0.1:9090.evil.example",
            "http://127.0.0.1:9090/", "http://user@127.0.0.1:9090", "HTTP://127.0.0.1:9090x", "file://",
            "http://localhost:9090",
        ]
        for origin in origins {
            #expect(status(open.route(post(path, body: body).replacing("Origin", origin))) == 403, "Origin \(origin)")
        }
        for site in ["cross-site", "same-site", "none", "", "Same-Origin"] {
            let request = post(path, body: body).replacing("Sec-Fetch-Site", site)
            #expect(status(open.route(request)) == 403, "Sec-Fetch-Site \(site)")
        }
        // A browser's form post is text/plain or urlencoded, never JSON; a GET or HEAD never runs an action.
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"] {
            #expect(status(open.route(post(path, body: body).replacing("Content-Type", type))) == 415, "\(type)")
        }
        var head = get(path, [("X-Berth-CSRF", Self.csrf)])
        head.method = "HEAD"
        #expect(status(open.route(head)) == 405)
    }
}
