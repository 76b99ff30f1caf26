import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Testing

/// Found by the outside audit (branch audit7): an HTTP/2 `:path` with raw UTF-8 (`/static/．．/x`, FULLWIDTH FULL
/// STOPs, which servers folding compatibility forms read as `..`) was forwarded to an HTTP/1.1 replica as is,
/// although an HTTP/1.1 request line with those bytes is 400 (a raw space was already refused, by the header block's
/// check: RST_STREAM PROTOCOL_ERROR); and the double-encoded and
/// percent-encoded compatibility spellings passed over HTTP/2 as over HTTP/1.1.
@Suite(.serialized) struct HTTP2PathAudit7Tests {
    @Test func anHTTP2PathWithRawNonASCIIOrLookalikesIsRefusedAndNeverForwarded() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/static", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let refusals = [
            ("/static/\u{FF0E}\u{FF0E}/secret", "invalid request target"),
            ("/static/x?q=\u{E9}", "invalid request target"),
            ("/static/%252e%252e/secret", "in the path"),
            ("/static/%EF%BC%8E%EF%BC%8E/secret", "in the path"),
            ("/static/..%252fsecret", "in the path"),
        ]
        for (path, marker) in refusals {
            let answer = try await onThread { try HTTP2AuditTests.http2Get(port: port, path: path, through: marker) }
            #expect(answer != nil, "\(path): no refusal (the replica's answer, or nothing)")
        }
        let lines = await log.waitForRequests(refusals.count)
        #expect(lines.count == refusals.count)
        #expect(lines.allSatisfy { $0["status"] == "400" && $0["replica"] == "-" }, "\(lines)")
        #expect(upstream.bytes.isEmpty, "the replica received \(String(decoding: upstream.bytes, as: UTF8.self))")
        await gateway.stop()
    }
}
