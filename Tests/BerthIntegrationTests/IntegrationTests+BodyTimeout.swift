import BerthTestSupport
import Foundation
import Testing

/// The outside audits audit8 and audit9 left open, audit10 closed: gRPC calls that send their headers and never a
/// message held a grpcio replica's workers (a pool of 32) until the route's `timeout` (60 s), so other clients'
/// calls waited behind them. With `body_timeout` they end `DEADLINE_EXCEEDED` and free the workers.
extension IntegrationTests {
    @Test(
        "gRPC: calls that never send a message end at body_timeout and free the replica's workers",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func grpcCallsWithoutAMessageEndAtTheBodyTimeout() async throws {
        try await withProject("grpc-silent") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  body_timeout: 2s
                  routes:
                    - { path: /berth.test.Echo, service: grpc }
                services:
                  grpc:
                    command: [python3, \(Self.grpcFixtures)/echo_server.py]
                    port: auto
                    protocol: grpc
                    ready: { tcp: true, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            // 40 silent calls against one replica's 32 workers, then a unary call: before the fix it waited for a
            // worker until the silent calls' 60 s (its own 20 s deadline passed first: DEADLINE_EXCEEDED).
            let result = try await grpcClient(project, ["127.0.0.1:\(port)", "silent", "40"], timeout: .seconds(60))
            #expect(result["unary"] as? String == "OK", "\(result)")
            #expect((result["unary_seconds"] as? Double ?? 99) < 10, "\(result)")
            #expect(result["silent"] as? [String: Int] == ["DEADLINE_EXCEEDED": 40], "\(result)")
            let details = result["details"] as? [String] ?? []
            #expect(details.allSatisfy { $0.contains("body_timeout") }, "\(result)")
            // The gateway's own answer to a call whose request is still open reaches grpcio with its status: it
            // ended the stream with RST_STREAM CANCEL, which grpcio reported as CANCELLED (found with this test).
            let unrouted = try await grpcClient(project, ["127.0.0.1:\(port)", "silentstatus", "/nowhere.S/M"])
            #expect(unrouted["code"] as? String == "UNIMPLEMENTED", "\(unrouted)")
        }
    }
}
