import BerthGateway
import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Found by the outside audit (branch audit1): an HTTP/2 client (cleartext, prior knowledge, as `curl
/// --http2-prior-knowledge --path-as-is` sends it) must meet the same rules as an HTTP/1.1 one. Raw frames over a
/// real socket, so that nothing on the client side repairs the request first.
@Suite(.serialized) struct HTTP2AuditTests {
    /// A route is an access boundary only if no path can climb out of it (docs/gateway-framing.md): HTTP/1.1 requests
    /// with dot-segments or encoded slashes get 400, and an HTTP/2 `:path` was forwarded as it came.
    @Test func anHTTP2PathThatWouldLeaveItsRouteIsRefusedAndNeverForwarded() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/static", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let paths = [
            "/static/../secret", "/static/%2e%2e/secret", "/static/..%2fsecret", "/static/%2E./secret",
            "/static/.", "/static\\..\\secret", "/static/%00", "/static/%zz",
        ]
        for path in paths {
            let answer = try await onThread { try Self.http2Get(port: port, path: path, through: "in the path\n") }
            #expect(answer != nil, "\(path): no refusal (the replica's answer, or nothing)")
        }
        let lines = await log.waitForRequests(paths.count)
        #expect(lines.count == paths.count)
        #expect(lines.allSatisfy { $0["status"] == "400" && $0["replica"] == "-" }, "\(lines)")
        #expect(upstream.bytes.isEmpty, "the replica received \(String(decoding: upstream.bytes, as: UTF8.self))")
        // An ordinary path still passes (the recording upstream answers `ok`).
        let ok = try await onThread { try Self.http2Get(port: port, path: "/static/a.css", through: "ok") }
        #expect(ok != nil)
        #expect(String(decoding: upstream.bytes, as: UTF8.self).hasPrefix("GET /static/a.css HTTP/1.1\r\n"))
        await gateway.stop()
    }

    /// The route was chosen by `:authority` while an HTTP/1.1 replica got the client's `host` field as its Host
    /// (`:authority a` + `host: b`: routed as `a`, served as `b`), and a `host` without `:authority` passed with
    /// characters no host has (`host: evil b` became `X-Forwarded-Host: evil b`).
    @Test func aHostFieldMustBeAHostAndMatchTheAuthority() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let cases: [(authority: String?, host: String, marker: String)] = [
            ("localhost", "admin.internal", "differs from :authority\n"),
            (nil, "evil b", "invalid host field\n"),
            (nil, "a/b@c", "invalid host field\n"),
        ]
        for (authority, host, marker) in cases {
            let answer = try await onThread {
                let client = try TestHTTPConnection(port: port, timeoutSeconds: 3)
                try client.send(
                    Self.http2Preface
                        + Self.headersFrame(stream: 1, path: "/", authority: authority, extra: [("host", host)]))
                return try? client.read(through: marker)
            }
            #expect(answer != nil, "\(authority ?? "no :authority") + host \(host): not refused")
        }
        #expect(upstream.bytes.isEmpty, "the replica received \(String(decoding: upstream.bytes, as: UTF8.self))")
        // The same name in both (any case) passes.
        let same = try await onThread {
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 3)
            try client.send(
                Self.http2Preface
                    + Self.headersFrame(stream: 1, path: "/", authority: "localhost", extra: [("host", "LocalHost")]))
            return try? client.read(through: "ok")
        }
        #expect(same != nil)
        await gateway.stop()
    }

    /// A stream whose request never ends (HEADERS without END_STREAM, then nothing) timed out against the replica,
    /// which was waiting for the body: such streams ejected replicas. Now the replica is not judged.
    @Test func aRequestThatNeverEndsDoesNotCountAgainstTheReplica() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) {
            $0.upstreamTimeout = .milliseconds(300)
            $0.accessLog = true
        }
        let reports = Mutex<[GatewayFailureReport]>([])
        gateway.gateway.onFailures { report in reports.withLock { $0.append(report) } }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        // The streams stay open (on a thread of their own) until each has its access-log line: the timeout's.
        let lines = try await onThread { () -> [[String: String]] in
            var clients: [TestHTTPConnection] = []
            for _ in 0..<3 {
                let client = try TestHTTPConnection(port: port, timeoutSeconds: 5)
                try client.send(Self.http2Preface + Self.headersFrame(stream: 1, path: "/upload", endStream: false))
                clients.append(client)
            }
            let deadline = Date() + 10
            while log.requests.count < 3, Date() < deadline { usleep(10_000) }
            withExtendedLifetime(clients) {}
            return log.requests
        }
        #expect(lines.count == 3 && lines.allSatisfy { $0["status"] == "504" }, "\(lines)")
        #expect(reports.withLock { $0 }.isEmpty, "\(reports.withLock { $0 })")
        #expect(await gateway.gateway.traffic()["web"]?[0]?.ejectedFor == nil)
        await gateway.stop()
    }

    /// Lines are written in batches; the batch was flushed by the HTTP/1.1 side's sweep or its last client leaving,
    /// so with HTTP/2 clients only (a gRPC deployment) a line waited for 32 KiB of others: an attacker's requests did
    /// not show, a quiet service's calls never did.
    @Test func anHTTP2RequestReachesTheAccessLogWithoutAnyHTTP1Client() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        // The connection stays open while the line is awaited (on a thread of its own, polling the sink): its close
        // must not be what flushes it.
        let line = try await onThread { () -> [String: String]? in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 5)
            try client.send(Self.http2Preface + Self.headersFrame(stream: 1, path: "/quiet"))
            _ = try client.read(through: "ok")
            let deadline = Date() + 5
            while log.requests.isEmpty, Date() < deadline { usleep(10_000) }
            withExtendedLifetime(client) {}
            return log.requests.first
        }
        let found = try #require(line, "no access-log line within 5 s while the HTTP/2 connection was open")
        #expect(found["path"] == "/quiet")
        #expect(found["status"] == "200")
        #expect(found["replica"] == "web.0")
        await gateway.stop()
    }

    /// Sends one GET over a fresh HTTP/2 connection and reads until `marker` (the text of the gateway's refusal);
    /// nil when the connection ends or stays silent for 3 s without it.
    static func http2Get(port: Int, path: String, through marker: String) throws -> String? {
        let client = try TestHTTPConnection(port: port, timeoutSeconds: 3)
        try client.send(http2Preface + headersFrame(stream: 1, path: path))
        return try? client.read(through: marker)
    }

    static let http2Preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

    /// HEADERS with END_STREAM and END_HEADERS: `:method GET`, `:scheme http` (static table), then `:path` and
    /// `:authority` as literals without indexing (RFC 7541 §6.2.2), no Huffman coding.
    /// `extra` fields follow as literals with a new name.
    static func headersFrame(
        stream: UInt8, path: String, authority: String? = "localhost", extra: [(String, String)] = [],
        endStream: Bool = true
    ) -> [UInt8] {
        func string(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
        var block: [UInt8] = [0x82, 0x86, 0x04] + string(path)
        if let authority { block += [0x01] + string(authority) }
        for (name, value) in extra { block += [0x00] + string(name) + string(value) }
        return [0, 0, UInt8(block.count), 1, endStream ? 0x05 : 0x04, 0, 0, 0, stream] + block
    }
}
