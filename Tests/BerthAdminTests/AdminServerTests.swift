import BerthAdmin
import BerthTestSupport
import Logging
import Prometheus
import Testing

/// The admin listener over a real loopback socket.
@Suite(.serialized, .timeLimit(.minutes(1))) struct AdminServerTests {
    @Test func servesThePrometheusRegistryAndChecksTheToken() async throws {
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(name: "berth_test_total", labels: [("service", "web")], help: "a test")
        counter.increment(by: Int64(3))
        let port = freePort()
        let server = AdminServer(
            configuration: AdminConfiguration(host: "127.0.0.1", port: port, token: "token-0123456789abcdef"),
            registry: registry, logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        #expect(waitForListener(port))
        let responses = try await onThread {
            let connection = try TestHTTPConnection(port: port)
            let refused = try connection.get("/metrics")
            let allowed = try connection.get("/metrics", headers: ["Authorization": "Bearer token-0123456789abcdef"])
            try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            let withBody = try connection.readResponse()
            return (refused, allowed, withBody)
        }
        #expect(responses.0.status == 401)
        #expect(responses.1.status == 200)
        #expect(responses.1.header("content-type") == AdminRouter.metricsContentType)
        #expect(responses.1.text.contains(#"berth_test_total{service="web"} 3"#))
        #expect(responses.2.status == 401)
        let garbage = try await onThread {
            let connection = try TestHTTPConnection(port: port)
            try connection.send("NOT HTTP AT ALL\r\n\r\n")
            return try connection.readResponse()
        }
        #expect(garbage.status == 400)
    }
}
