import Testing

@testable import BerthAdmin

@Suite struct AdminRouterTests {
    let metrics: @Sendable () -> [UInt8] = { Array("berth_up 1\n".utf8) }

    @Test func servesMetricsAndHealth() {
        let router = AdminRouter(metrics: metrics)
        let response = router.respond(method: "GET", target: "/metrics")
        #expect(response.status == 200)
        #expect(response.contentType == AdminRouter.metricsContentType)
        #expect(response.body == Array("berth_up 1\n".utf8))
        #expect(router.respond(method: "GET", target: "/metrics?x=1").status == 200)
        #expect(router.respond(method: "GET", target: "/healthz").status == 200)
    }

    @Test func unknownPathsAndMethodsGetJSONErrors() {
        let router = AdminRouter(metrics: metrics)
        let notFound = router.respond(method: "GET", target: "/etc/\"passwd\n")
        #expect(notFound.status == 404)
        #expect(notFound.contentType == "application/json")
        #expect(
            String(decoding: notFound.body, as: UTF8.self)
                == #"{"error":"no such resource: /etc/\"passwd\u000a; try /metrics"}"# + "\n")
        let post = router.respond(method: "POST", target: "/metrics")
        #expect(post.status == 405)
        #expect(post.headers.contains { $0 == ("Allow", "GET, HEAD") })
    }
}
