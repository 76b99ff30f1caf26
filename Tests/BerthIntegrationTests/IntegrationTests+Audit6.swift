import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (branch audit6), against the real daemon with default settings.
extension IntegrationTests {
    /// grpcio resets every stream that is not a gRPC call (curl's GET) with RST_STREAM(INTERNAL_ERROR). Before the
    /// audit the gateway counted each such reset against the replica, so three plain requests from anyone ejected a
    /// healthy replica (`ejected_s` in `berth status`), and answered 503 with NIO's debug form of the code
    /// (`reset the stream (HTTP2ErrorCode<0x2 Internal Error>)`). A reset on a connection that lives is the
    /// replica's answer to that one request: 502 naming the code as RFC 9113 does, and no replica judged.
    @Test(
        "gRPC: plain requests a gRPC replica resets are 502 and eject no replica",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func resetsOfPlainRequestsEjectNoGRPCReplica() async throws {
        try await withProject("grpc-reset") { project in
            let port = try writeGRPCManifest(project, replicas: 2)
            #expect(try await project.upDetached().exitCode == 0)
            for _ in 0..<8 {
                let answer = try await onThread {
                    try TestHTTPConnection(port: port).get("/berth.test.Echo/Unary")
                }
                #expect(answer.status == 502, "\(answer.status) \(answer.text)")
                #expect(answer.text.contains("reset the stream (INTERNAL_ERROR)"), "\(answer.text)")
                #expect(!answer.text.contains("HTTP2ErrorCode"), "\(answer.text)")
            }
            let status = try await project.status()
            let replicas = status.services.first { $0.name == "grpc" }?.replicas ?? []
            #expect(replicas.count == 2)
            for replica in replicas { #expect(replica.ejectedSeconds == nil, "\(replica)") }
        }
    }

    /// A trailers-only answer (grpcio's UNIMPLEMENTED for an unknown method, after the whole request arrived) closes
    /// the client's stream inside the gateway's write of it, which ran the "client went away" path before the
    /// response's own end: two access-log lines and two calls in /metrics for one call (found by the outside audit,
    /// audit6). Each call is one line.
    @Test(
        "gRPC: a trailers-only answer is one access-log line",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func aTrailersOnlyAnswerIsLoggedOnce() async throws {
        try await withProject("grpc-once") { project in
            let port = try writeGRPCManifest(project, replicas: 1)
            #expect(try await project.upDetached().exitCode == 0)
            var ids: [String] = []
            for _ in 0..<6 {
                let answer = try await grpcClient(project, ["127.0.0.1:\(port)", "status", "/berth.test.Echo/Nope"])
                #expect(answer["code"] as? String == "UNIMPLEMENTED", "\(answer)")
                if let id = (answer["metadata"] as? [String: Any])?["x-request-id"] as? String { ids.append(id) }
            }
            #expect(ids.count == 6)
            // Both lines of a call were written in one batch: once an id is there, its duplicate would be too.
            let log = try await eventually("the calls' access-log lines", timeout: .seconds(10)) { () -> String? in
                let text = try await project.berth(["logs", "--access"]).stdout
                return ids.allSatisfy { text.contains("request_id=\($0)") } ? text : nil
            }
            for id in ids {
                let lines = log.split(separator: "\n").filter { $0.contains("request_id=\(id)") }
                #expect(lines.count == 1, "\(lines)")
            }
        }
    }
}
