import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// Gateway settings: `max_headers`, and settings applied by a reload without a restart.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewaySettingsTests {
    static func head(fields: Int) -> String {
        "GET /pid HTTP/1.1\r\nHost: h\r\n" + (1..<fields).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
    }

    @Test func maxHeadersIsASettingAndAReloadAppliesIt() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let log = CapturedLog()
        var configuration = GatewayConfiguration(listen: [], routes: [route("/", "web")])
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) {
            $0.limits.maxHeaderCount = 5
            configuration = $0
        }
        await gateway.ready("web", ports: try fixtures.start(1))
        let refused = try TestHTTPConnection(port: gateway.port)
        try refused.send(Self.head(fields: 6))
        #expect(try refused.readResponse().status == 431)
        let fits = try TestHTTPConnection(port: gateway.port)
        try fits.send(Self.head(fields: 5))
        #expect(try fits.readResponse().status == 200)
        #expect(log.requests.isEmpty)  // access_log off

        // A reload: more fields allowed, the access log on; the listen addresses are kept whatever it says.
        configuration.limits.maxHeaderCount = 10
        configuration.accessLog = true
        configuration.listen = []
        await gateway.gateway.replaceRoutes(from: configuration)
        let now = try TestHTTPConnection(port: gateway.port)
        try now.send(Self.head(fields: 6))
        #expect(try now.readResponse().status == 200)
        #expect(await log.waitForRequests(1).first?["status"] == "200")
        await gateway.stop()
    }

    /// Tightening the limits for clients does not turn a replica's ordinary response into a 502 held against it.
    @Test func clientLimitsDoNotApplyBelowTheDefaultsToResponses() async throws {
        let fields = (1...20).map { "X-\($0): 1\r\n" }.joined()
        let upstream = try ScriptedUpstream { _ in Array("HTTP/1.1 200 OK\r\n\(fields)Content-Length: 2\r\n\r\nok".utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.limits.maxHeaderCount = 5
            $0.limits.maxHeadBytes = 1024
        }
        await gateway.ready("web", ports: [upstream.port])
        let response = try TestHTTPConnection(port: gateway.port).get("/many")
        #expect(response.status == 200)
        #expect(response.header("x-20") == "1")
        await gateway.stop()
    }
}
