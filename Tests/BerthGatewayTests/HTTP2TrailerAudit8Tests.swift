import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (branch audit8): over HTTP/2 trailers passed the gateway unfiltered both ways. An
/// HTTP/2 client's request trailers `x-forwarded-for: 6.6.6.6`, `authorization`, `host` and `content-length` reached
/// h2c/gRPC replicas (and HTTP/1.1 replicas, as chunked trailer fields), and a replica's `set-cookie` trailer reached
/// the client; the HTTP/1.1 gateway drops those (`TrailerFilter`, RFC 9110 §6.5.1), so a client could pick the
/// protocol that checks less.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HTTP2TrailerAudit8Tests {
    @Test func forbiddenTrailerFieldsAreDroppedBothWays() async throws {
        let upstream = try ScriptedH2Upstream { stream in
            ReplicaResponseAudit8Tests.headers(stream, [(":status", "200")])
                + ReplicaResponseAudit8Tests.data(stream, "body", end: false)
                + ReplicaResponseAudit8Tests.headers(
                    stream, [("set-cookie", "sid-a8"), ("grpc-status", "0"), ("x-kept", "kept-resp")], end: true)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/t", "t")]) { $0.upstreamProtocols = ["t": .h2c] }
        await gateway.ready("t", ports: [upstream.port])
        let port = gateway.port
        let trailers: [(String, String)] = [
            ("x-forwarded-for", "6.6.6.6"), ("authorization", "secret-a8"), ("host", "evil-a8"),
            ("content-length", "99999"), ("x-ok", "kept-a8"),
        ]
        let block = trailers.flatMap { ScriptedH2Upstream.field($0.0, $0.1) }
        let response = try await onThread { () throws -> String in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send(
                HTTP2AuditTests.http2Preface + HTTP2AuditTests.headersFrame(stream: 1, path: "/t", endStream: false)
                    + ScriptedH2Upstream.frame(0, flags: 0, stream: 1, Array("abc".utf8))
                    + ScriptedH2Upstream.frame(1, flags: 0x5, stream: 1, block))
            return try client.read(through: "kept-resp")
        }
        // The response's trailers: set-cookie dropped (before the fix it came first, before x-kept), the rest kept.
        #expect(!response.contains("sid-a8"))
        #expect(response.contains("kept-resp"))
        // The request's trailers as the replica got them: its second header block.
        let blocks = upstream.blocks
        #expect(blocks.count == 2)
        let received = String(decoding: blocks.last ?? [], as: UTF8.self)
        #expect(received.contains("kept-a8"), "\(received)")
        for forbidden in ["6.6.6.6", "secret-a8", "evil-a8", "99999"] {
            #expect(!received.contains(forbidden), "\(forbidden) in \(received)")
        }
        await gateway.stop()
    }
}
