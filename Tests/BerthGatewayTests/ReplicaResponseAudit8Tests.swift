import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (branch audit8): an h2c replica whose response was not HTTP crashed berthd when the
/// client spoke HTTP/1.1 (the bridge). `:status 101` (or a 103) followed by DATA, DATA before any head, or trailers
/// without END_STREAM followed by DATA made the bridge write an HTTP/1.1 body without a response head (or after its
/// end), a precondition failure in NIOHTTP1: the daemon died with every project's gateway and its replicas were
/// orphaned. `:status 99`, `1000` or `abc` reached the client as `HTTP/1.1 99 ` or as a 502 carrying the replica's
/// body and fields, and two `:status` fields (200, then 101) as `HTTP/1.1 101 Switching Protocols`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReplicaResponseAudit8Tests {
    typealias Upstream = ScriptedH2Upstream

    /// HEADERS (END_HEADERS, and END_STREAM when `end`) with the given fields.
    static func headers(_ stream: UInt32, _ fields: [(String, String)], end: Bool = false) -> [UInt8] {
        Upstream.frame(1, flags: end ? 0x5 : 0x4, stream: stream, fields.flatMap { Upstream.field($0.0, $0.1) })
    }

    static func data(_ stream: UInt32, _ text: String, end: Bool = true) -> [UInt8] {
        Upstream.frame(0, flags: end ? 0x1 : 0, stream: stream, Array(text.utf8))
    }

    /// What each bad replica sends, by route.
    static let scripts: [(String, @Sendable (UInt32) -> [UInt8])] = [
        ("switching", { headers($0, [(":status", "101")]) + data($0, "body-of-101") }),
        ("interim", { headers($0, [(":status", "103")]) + data($0, "body-of-103") }),
        ("data-first", { data($0, "body-first", end: false) + headers($0, [(":status", "200")], end: true) }),
        ("status99", { headers($0, [(":status", "99")]) + data($0, "body-of-99") }),
        ("status1000", { headers($0, [(":status", "1000")]) + data($0, "body-of-1000") }),
        ("letters", { headers($0, [(":status", "abc"), ("x-leak", "1")]) + data($0, "body-of-abc") }),
        ("two-statuses", { headers($0, [(":status", "200"), (":status", "101")]) + data($0, "body-of-two") }),
        ("interim-end", { headers($0, [(":status", "103")], end: true) }),
    ]

    @Test func anInvalidResponseHeadIs502ForHTTP1ClientsAndTheGatewayLives() async throws {
        let bad = try Self.scripts.map { try Upstream(answer: $0.1) }
        let good = try Upstream { Self.headers($0, [(":status", "200")]) + Self.data($0, "fine") }
        defer { for upstream in bad + [good] { upstream.stop() } }
        let names = Self.scripts.map(\.0)
        let gateway = try await RunningGateway(routes: (names + ["good"]).map { route("/\($0)", $0) }) {
            for name in names + ["good"] { $0.upstreamProtocols[name] = .h2c }
        }
        for (name, upstream) in zip(names, bad) { await gateway.ready(name, ports: [upstream.port]) }
        await gateway.ready("good", ports: [good.port])
        let port = gateway.port
        for name in names {
            // Before the fix: the test process died in NIOHTTP1 (switching, interim, data-first), or the response
            // was `99`, `1000`, 101 or a 502 with the replica's body.
            let response = try await onThread { () throws -> TestHTTPConnection.Response in
                try TestHTTPConnection(port: port, timeoutSeconds: 10).get("/\(name)")
            }
            #expect(response.status == 502, "\(name): \(response.status) \(response.text)")
            #expect(response.text.contains("answered with an invalid response"), "\(name): \(response.text)")
            #expect(!response.text.contains("body-of"), "\(name): \(response.text)")
            #expect(response.header("x-leak") == nil, "\(name)")
            // The gateway still serves.
            let next = try await onThread { () throws -> TestHTTPConnection.Response in
                try TestHTTPConnection(port: port, timeoutSeconds: 10).get("/good")
            }
            #expect(next.status == 200 && next.text == "fine", "after \(name): \(next.status)")
        }
        await gateway.stop()
    }

    @Test func trailersWithoutEndStreamCloseTheBridgedConnectionAndTheGatewayLives() async throws {
        let bad = try Upstream {
            Self.headers($0, [(":status", "200")]) + Self.headers($0, [("x-t", "1")]) + Self.data($0, "after-trailers")
        }
        let good = try Upstream { Self.headers($0, [(":status", "200")]) + Self.data($0, "fine") }
        defer { for upstream in [bad, good] { upstream.stop() } }
        let gateway = try await RunningGateway(routes: [route("/bad", "bad"), route("/good", "good")]) {
            $0.upstreamProtocols = ["bad": .h2c, "good": .h2c]
        }
        await gateway.ready("bad", ports: [bad.port])
        await gateway.ready("good", ports: [good.port])
        let port = gateway.port
        // Before the fix the bridge ended the response on the trailers and then wrote the DATA after its end: the
        // test process died in NIOHTTP1. Now the response (already started) is broken off: the connection closes
        // before a complete chunked body.
        let complete = try await onThread { () -> Bool in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            return (try? client.get("/bad")) != nil
        }
        #expect(!complete)
        let next = try await onThread { () throws -> TestHTTPConnection.Response in
            try TestHTTPConnection(port: port, timeoutSeconds: 10).get("/good")
        }
        #expect(next.status == 200 && next.text == "fine")
        await gateway.stop()
    }

    @Test func anInvalidResponseHeadIs502ForHTTP2ClientsToo() async throws {
        let bad = try Upstream { Self.headers($0, [(":status", "101")]) + Self.data($0, "body-of-101") }
        defer { bad.stop() }
        let gateway = try await RunningGateway(routes: [route("/bad", "bad")]) { $0.upstreamProtocols = ["bad": .h2c] }
        await gateway.ready("bad", ports: [bad.port])
        // Before the fix the client's stream was reset (INTERNAL_ERROR) with no status; now the gateway's 502 says
        // why.
        let port = gateway.port
        let text = try await onThread { () throws -> String? in
            try HTTP2AuditTests.http2Get(port: port, path: "/bad", through: "invalid response")
        }
        #expect(text != nil)
        await gateway.stop()
    }
}

/// Found by the outside audit (branch audit8): a gRPC call whose replica ended it without `grpc-status` was counted
/// `grpc_status="2"` (UNKNOWN, what its client sees) in `/metrics`, but its access-log line had no `grpc_status` at
/// all, so counting calls by status in the log missed it.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GRPCStatusLogAudit8Tests {
    @Test func aCallEndedWithoutGRPCStatusIsLoggedAsUnknown() async throws {
        let upstream = try ScriptedH2Upstream { stream in
            ReplicaResponseAudit8Tests.headers(stream, [(":status", "200"), ("content-type", "application/grpc")])
                + ReplicaResponseAudit8Tests.data(stream, "\u{0}\u{0}\u{0}\u{0}\u{2}hi", end: false)
                + ReplicaResponseAudit8Tests.headers(stream, [("x-trailer", "no-status")], end: true)
        }
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/pkg.S", "g")], log: log) {
            $0.upstreamProtocols = ["g": .grpc]
            $0.accessLog = true
        }
        await gateway.ready("g", ports: [upstream.port])
        let port = gateway.port
        _ = try await onThread { () throws -> String in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send(
                HTTP2AuditTests.http2Preface
                    + HTTP2AuditTests.headersFrame(
                        stream: 1, path: "/pkg.S/M", extra: [("content-type", "application/grpc"), ("te", "trailers")]))
            return try client.read(through: "no-status")
        }
        let lines = await log.waitForRequests(1)
        // Before the fix the line had no grpc_status (nil here).
        #expect(lines.first?["grpc_status"] == "2", "\(lines)")
        await gateway.stop()
    }
}
