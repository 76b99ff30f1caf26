import BerthGateway
import BerthTestSupport
import Foundation
import Testing

/// What one request's line says, through a real gateway (the `CapturedLog` sink parses the lines).
@Suite(.serialized) struct AccessLogLineTests {
    @Test func aLineHasTheTimeAndEveryField() async throws {
        let upstream = try ScriptedUpstream { _ in Array("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".utf8) }
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: [upstream.port])
        let response = try TestHTTPConnection(port: gateway.port).get("/a/b?c=1", headers: ["X-Request-Id": "abc-1"])
        #expect(response.status == 201)
        let line = try #require(await log.waitForRequests(1).first)
        #expect(line["method"] == "GET")
        #expect(line["path"] == "/a/b?c=1")
        #expect(line["status"] == "201")
        #expect(line["replica"] == "web.0")
        #expect(line["request_id"] == "abc-1")
        let time = try #require(line["time"])
        // 2026-12-05T15:58:10.123Z
        #expect(time.count == 24 && time.hasSuffix("Z") && time.dropFirst(10).hasPrefix("T"), "\(time)")
        #expect(Double(line["total_ms"] ?? "") != nil)
        #expect(Double(line["upstream_ms"] ?? "") != nil)
        await gateway.stop()
    }
}
