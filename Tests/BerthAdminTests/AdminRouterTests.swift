@testable import BerthAdmin
import Testing

@Suite struct AdminRouterTests {
    let metrics: @Sendable () -> [UInt8] = { Array("berth_up 1\n".utf8) }

    @Test func servesMetricsWithoutTokenWhenNoneIsSet() {
        let router = AdminRouter(token: nil, metrics: metrics)
        let response = router.respond(method: "GET", target: "/metrics", authorization: nil)
        #expect(response.status == 200)
        #expect(response.contentType == AdminRouter.metricsContentType)
        #expect(response.body == Array("berth_up 1\n".utf8))
        #expect(router.respond(method: "GET", target: "/metrics?x=1", authorization: nil).status == 200)
        #expect(router.respond(method: "GET", target: "/healthz", authorization: nil).status == 200)
    }

    @Test func requiresTheBearerTokenWhenSet() {
        let router = AdminRouter(token: "s3cret-token-0123456789", metrics: metrics)
        let missing = router.respond(method: "GET", target: "/metrics", authorization: nil)
        #expect(missing.status == 401)
        #expect(missing.headers.contains { $0.0 == "WWW-Authenticate" })
        #expect(!String(decoding: missing.body, as: UTF8.self).contains("berth_up"))
        for wrong in ["Bearer s3cret-token-012345678", "Bearer s3cret-token-01234567890", "Basic abc", "Bearer ", ""] {
            #expect(router.respond(method: "GET", target: "/metrics", authorization: wrong).status == 401, "\(wrong)")
        }
        let right = router.respond(method: "GET", target: "/metrics", authorization: "Bearer s3cret-token-0123456789")
        #expect(right.status == 200)
        let lowercase = router.respond(method: "GET", target: "/metrics", authorization: "bearer s3cret-token-0123456789")
        #expect(lowercase.status == 200)
        // Unknown paths reveal nothing before authentication either.
        #expect(router.respond(method: "GET", target: "/nope", authorization: nil).status == 401)
    }

    @Test func unknownPathsAndMethodsGetJSONErrors() {
        let router = AdminRouter(token: nil, metrics: metrics)
        let notFound = router.respond(method: "GET", target: "/etc/\"passwd\n", authorization: nil)
        #expect(notFound.status == 404)
        #expect(notFound.contentType == "application/json")
        #expect(String(decoding: notFound.body, as: UTF8.self) == #"{"error":"no such resource: /etc/\"passwd\u000a; try /metrics"}"# + "\n")
        let post = router.respond(method: "POST", target: "/metrics", authorization: nil)
        #expect(post.status == 405)
        #expect(post.headers.contains { $0 == ("Allow", "GET, HEAD") })
    }
}
