import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// What a client cannot make the gateway say to a replica: forged forwarding fields, request ids that forge log
/// fields, trailers that would override checked header fields.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayForwardingTests {
    static let forged =
        "GET /headers HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 10.1.2.3\r\n"
        + "Forwarded: for=10.9.9.9;proto=https\r\nX-Real-IP: 10.8.8.8\r\nX-Forwarded-Port: 443\r\n"
        + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n\r\n"

    @Test func forwardingFieldsOfAnUntrustedClientAreReplaced() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.trustForwarded = [AddressBlock("10.0.0.0/8")!]  // not the test client (127.0.0.1)
        }
        await gateway.ready("web", ports: try fixtures.start(1))
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send(Self.forged)
        let seen = try client.readResponse().text.lowercased()
        #expect(seen.contains("x-forwarded-for: 127.0.0.1\n"), "\(seen)")
        #expect(seen.contains("x-forwarded-proto: http\n"))
        #expect(seen.contains("x-forwarded-host: shop.example\n"))
        for forged in ["10.1.2.3", "10.9.9.9", "10.8.8.8", "x-forwarded-port", "evil", "https"] {
            #expect(!seen.contains(forged), "\(forged) reached the replica: \(seen)")
        }
        await gateway.stop()
    }

    @Test func forwardingFieldsOfATrustedProxyPass() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.trustForwarded = [AddressBlock("127.0.0.0/8")!, AddressBlock("::1")!]
        }
        await gateway.ready("web", ports: try fixtures.start(1))
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send(Self.forged)
        let seen = try client.readResponse().text.lowercased()
        #expect(seen.contains("x-forwarded-for: 10.1.2.3, 127.0.0.1\n"), "\(seen)")
        #expect(seen.contains("forwarded: for=10.9.9.9;proto=https\n"))
        #expect(seen.contains("x-real-ip: 10.8.8.8\n"))
        #expect(seen.contains("x-forwarded-port: 443\n"))
        #expect(seen.contains("x-forwarded-proto: https\n"))
        #expect(seen.contains("x-forwarded-host: evil.example\n"))
        await gateway.stop()
    }

    /// A client's X-Request-Id goes into the access log and every service's logs: only a plain one is kept.
    @Test func aForgedRequestIDIsReplacedInTheReplicaTheResponseAndTheLog() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: try fixtures.start(1))
        let client = try TestHTTPConnection(port: gateway.port)
        let forged = "x\" status=200 replica=\"admin"
        let response = try client.get("/headers", headers: ["X-Request-Id": forged])
        let id = try #require(response.header("x-request-id"))
        #expect(id != forged)
        #expect(RequestIDCheck.isAcceptable(id))
        // The gateway's own ids: 16 lower-case hex digits.
        #expect(id.utf8.count == 16 && id.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 || $0 >= 0x61 && $0 <= 0x66 })
        #expect(response.text.lowercased().contains("x-request-id: \(id)\n"))
        #expect(!response.text.contains("admin"))
        let plain = try client.get("/headers", headers: ["X-Request-Id": "trace-42.a_b"])
        #expect(plain.header("x-request-id") == "trace-42.a_b")
        let lines = await log.waitForRequests(2)
        #expect(lines.map { $0["request_id"] } == [id, "trace-42.a_b"])
        await gateway.stop()
    }

    @Test func forbiddenRequestTrailersAreDropped() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n")
        try await Task.sleep(for: .milliseconds(50))  // the trailer section in a read of its own
        try client.send("X-Checksum: abc\r\nContent-Length: 0\r\nHost: evil\r\nAuthorization: Bearer x\r\n\r\n")
        let expected = "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n"
        let deadline = ContinuousClock.now + .seconds(5)
        while !String(decoding: upstream.bytes, as: UTF8.self).hasSuffix(expected), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let seen = String(decoding: upstream.bytes, as: UTF8.self)
        #expect(seen.hasSuffix("\r\n\r\n" + expected), "\(seen.debugDescription)")
        #expect(!seen.contains("evil") && !seen.contains("Bearer"))
        await gateway.stop()
    }

    @Test func forbiddenResponseTrailersAreDropped() async throws {
        let upstream = try ScriptedUpstream { _ in
            Array(
                ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\n"
                    + "Set-Cookie: session=stolen\r\nContent-Length: 99\r\n\r\n").utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let head = try client.read(through: "\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        let body = try client.read(through: "\r\n\r\n")
        #expect(body == "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n")
        #expect(try client.get("/again").status == 200)  // the connection goes on
        await gateway.stop()
    }
}
