import NIOHTTP1
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit1): once an HTTP/1.1 connection is bridged to an h2c/gRPC service, its
/// later requests are parsed by NIOHTTP1, not by the gateway's strict parser, and a request with two Hosts, none,
/// `Host: a b/@c` or `Transfer-Encoding: gzip, chunked` went on to the replica (`x-forwarded-host: a b/@c`; a
/// gzip-coded body announced as plain). The bridge now refuses them as the HTTP/1.1 gateway does.
@Suite struct HTTP1TranslationAuditTests {
    private func refusal(_ fields: [(String, String)], version: HTTPVersion = .http1_1) -> HTTP1Translation.Refusal? {
        let head = HTTPRequestHead(version: version, method: .POST, uri: "/x", headers: HTTPHeaders(fields))
        if case .failure(let refusal) = HTTP1Translation.requestHeaders(head, scheme: "http", clientAddress: "x") {
            return refusal
        }
        return nil
    }

    @Test func hostMustBeOneValidField() {
        #expect(refusal([("Host", "a"), ("Host", "b")]) == .refused(status: 400, reason: "duplicate Host"))
        #expect(refusal([]) == .refused(status: 400, reason: "missing Host"))
        for bad in ["a b", "a/b", "user@a", "a\"b", "a<b>"] {
            #expect(refusal([("Host", bad)]) == .refused(status: 400, reason: "invalid Host"), "\(bad)")
        }
        #expect(refusal([("Host", "api.example:8080")]) == nil)
        #expect(refusal([("Host", "[::1]:8080")]) == nil)
        // HTTP/1.0 may omit it (the bridge then says localhost), as the HTTP/1.1 gateway allows.
        #expect(refusal([], version: .http1_0) == nil)
    }

    @Test func transferEncodingMustBeExactlyChunked() {
        for codings in [["gzip, chunked"], ["chunked, chunked"], ["identity"], ["chunked", "chunked"], ["chunked,"]] {
            let fields = [("Host", "a")] + codings.map { ("Transfer-Encoding", $0) }
            #expect(
                refusal(fields) == .refused(status: 501, reason: "Transfer-Encoding other than chunked"), "\(codings)")
        }
        #expect(refusal([("Host", "a"), ("Transfer-Encoding", " Chunked ")]) == nil)
        #expect(
            refusal([("Transfer-Encoding", "chunked")], version: .http1_0)
                == .refused(status: 400, reason: "Transfer-Encoding in an HTTP/1.0 request"))
    }
}
