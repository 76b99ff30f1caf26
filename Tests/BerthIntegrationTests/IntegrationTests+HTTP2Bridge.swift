import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 15: an HTTP/1.1 client reaching a gRPC (h2c) service through the real daemon's gateway: each request
/// becomes an HTTP/2 stream to a grpcio replica and the answer comes back chunked, its gRPC status in the trailers;
/// the access log names the call's gRPC status.
extension IntegrationTests {
    @Test(
        "HTTP/1.1 client to a gRPC service: unary and streaming calls chunked with trailers, Upgrade refused, grpc_status logged",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func http1ClientToGRPCService() async throws {
        try await withProject("h1-to-grpc") { project in
            let port = try writeGRPCManifest(project, replicas: 2)
            #expect(try await project.upDetached().exitCode == 0)
            _ = try await project.waitForStatus("2 grpc replicas ready") {
                $0.replicas("grpc").filter { $0.ready == true }.count == 2
            }
            let result = try await project.runProgram(
                "/usr/bin/env", ["python3", "\(Self.grpcFixtures)/http1_client.py", "\(port)"])
            #expect(result.exitCode == 0, "\(result)")
            let out = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            func answer(_ name: String) -> [String: Any] { out[name] as? [String: Any] ?? [:] }
            func field(_ name: String, _ key: String, _ field: String) -> String? {
                (answer(name)[key] as? [String: String])?[field]
            }

            let unary = answer("unary")
            #expect(unary["status"] as? Int == 200, "\(unary)")
            #expect(unary["chunked"] as? Bool == true, "no length from the replica: chunked \(unary)")
            #expect((unary["messages"] as? [String])?.first?.hasSuffix(":hello") == true, "\(unary)")
            #expect(field("unary", "trailers", "grpc-status") == "0", "\(unary)")
            #expect(field("unary", "headers", "x-request-id")?.count == 16, "\(unary)")

            let server = answer("server")
            #expect((server["messages"] as? [String])?.count == 3, "\(server)")
            #expect(field("server", "trailers", "grpc-status") == "0", "\(server)")

            // The same keep-alive connection reaches an HTTP/1.1 service too; forwarding fields are the gateway's.
            let web = answer("web")
            #expect(web["status"] as? Int == 200, "\(web)")
            let echoed = (web["body"] as? String ?? "").lowercased()
            #expect(echoed.contains("x-forwarded-for: 127.0.0.1"), "\(web)")
            #expect(!echoed.contains("6.6.6.6"), "\(web)")

            // grpc-timeout is honoured by the gateway: a trailers-only DEADLINE_EXCEEDED as the response head.
            #expect(field("late", "headers", "grpc-status") == "4", "\(answer("late"))")
            #expect(answer("head")["status"] as? Int == 200, "\(answer("head"))")
            #expect(field("missing", "headers", "grpc-status") == "12", "\(answer("missing"))")

            let upgrade = answer("upgrade")
            #expect(upgrade["status"] as? Int == 502, "\(upgrade)")
            #expect((upgrade["body"] as? String)?.contains("speaks HTTP/2 (protocol: grpc)") == true, "\(upgrade)")
            #expect(out["upgrade_closed"] as? Bool == true, "\(out)")

            // The access log names each call's gRPC status next to its HTTP status.
            let path = project.stateDirectory + "/access.log"
            let deadline = ContinuousClock.now + .seconds(5)
            var lines: [Substring] = []
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").filter { $0.contains("path=/berth.test.Echo/Unary") }
                if lines.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(lines.contains { $0.contains("status=200 grpc_status=0 replica=grpc.") }, "\(lines)")
            #expect(lines.contains { $0.contains("status=200 grpc_status=4 ") }, "\(lines)")
        }
    }

    @Test("gateway.http2 limits from the manifest reach the SETTINGS frame clients get")
    func http2LimitsFromTheManifest() async throws {
        guard access("/usr/bin/nghttp", X_OK) == 0 else { return }
        try await withProject("h2-limits") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  http2: { max_concurrent_streams: 7, initial_window: 100000, header_table_size: 1024 }
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 200ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let get = try await project.runProgram("/usr/bin/nghttp", ["-v", "http://127.0.0.1:\(port)/healthz"])
            #expect(get.stdout.contains("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]"), "\(get.stdout)")
            #expect(get.stdout.contains("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):100000]"), "\(get.stdout)")
            #expect(get.stdout.contains("[SETTINGS_HEADER_TABLE_SIZE(0x01):1024]"), "\(get.stdout)")
            #expect(get.stdout.contains(":status: 200"), "\(get.stdout)")
        }
    }
}
