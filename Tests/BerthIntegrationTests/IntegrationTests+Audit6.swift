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
}
