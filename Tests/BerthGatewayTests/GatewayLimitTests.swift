import BerthGateway
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile and oversized input: each gets its status and nothing reaches a replica it should not.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GatewayLimitTests {
    @Test func rejectsAmbiguousFramingWith400() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        let cases = [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
            "GET / HTTP/1.1\nHost: x\n\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        ]
        for raw in cases {
            let client = try TestHTTPConnection(port: gateway.port)
            try client.send(raw)
            let response = try client.readResponse()
            #expect(response.status == 400, "\(raw.debugDescription)")
            #expect(client.isClosedByPeer())
        }
        await gateway.stop()
    }

    @Test func refusesOversizedHeadsAndBodiesAndSlowClients() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.maxBodyBytes = 1000
            $0.headerTimeout = .milliseconds(300)
        }
        await gateway.ready("web", ports: try fixtures.start(1))
        let big = try TestHTTPConnection(port: gateway.port)
        try big.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
        #expect(try big.readResponse().status == 431)
        let body = try TestHTTPConnection(port: gateway.port)
        try body.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        #expect(try body.readResponse().status == 413)
        let slow = try TestHTTPConnection(port: gateway.port)
        try slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
        #expect(try slow.readResponse().status == 408)
        await gateway.stop()
    }

    @Test func streamsAOneGigabyteUploadWithBoundedMemory() async throws {
        let fixtures = Fixtures()
        defer { fixtures.stopAll() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: try fixtures.start(1))
        let before = residentMegabytes()
        let size = 1 << 30
        let client = try TestHTTPConnection(port: gateway.port, timeoutSeconds: 60)
        try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
        let chunk = [UInt8](repeating: 0x61, count: 1 << 20)
        var peak = before
        for index in 0..<(size >> 20) {
            try client.send(chunk)
            if index % 64 == 0 { peak = max(peak, residentMegabytes()) }
        }
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "received \(size)")
        #expect(peak - before < 64, "resident memory grew by \(peak - before) MB during a 1 GiB upload")
        await gateway.stop()
    }
}

/// This process's resident set size in MB (the gateway runs in it).
func residentMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}
