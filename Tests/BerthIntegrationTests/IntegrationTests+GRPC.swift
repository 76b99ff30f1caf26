import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 15: HTTP/2 and gRPC through the real daemon's gateway, with Python's grpcio on both sides (the fixture
/// server in Tests/fixtures/grpc), h2load/nghttp for plain h2c, and a raw-socket client for hostile frames.
extension IntegrationTests {
    static let grpcFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/grpc").path

    /// Whether Python's grpcio is importable (scripts/lib/setup.sh installs it with the test packages).
    static let hasGRPC: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import grpc"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// A gateway on a free port: `/berth.test.Echo/` to `grpc` (3 replicas of the grpcio fixture), `/web` to the
    /// HTTP/1.1 fixture. Returns the gateway's port.
    func writeGRPCManifest(_ project: TestProject, replicas: Int = 3, extraListen: String = "") throws -> Int {
        let port = freePort()
        try project.write(
            """
            name: \(project.name)
            gateway:
              listen:
                - 127.0.0.1:\(port)
            \(extraListen)
              routes:
                - { path: /berth.test.Echo, service: grpc }
                - { path: /web, service: web, strip_prefix: true }
            services:
              grpc:
                command: [python3, \(Self.grpcFixtures)/echo_server.py]
                replicas: \(replicas)
                port: auto
                protocol: grpc
                ready: { tcp: true, interval: 100ms }
                stop: { timeout: 10s }
              web:
                command: \(try Self.fixture())
                port: auto
                ready: { http: /healthz, interval: 200ms }
            """, to: project.manifestPath)
        return port
    }

    func grpcClient(
        _ project: TestProject, _ arguments: [String], timeout: Duration = .seconds(30)
    )
        async throws -> [String: Any]
    {
        let client = try startGRPCClient(project, arguments)
        return Self.parse(await client.wait(timeout: timeout))
    }

    /// The fixture client started in the background (a load running while the test kills or restarts replicas).
    private func startGRPCClient(_ project: TestProject, _ arguments: [String]) throws -> RunningCommand {
        try project.start("/usr/bin/env", ["python3", "\(Self.grpcFixtures)/client.py"] + arguments)
    }

    private static func parse(_ result: CommandResult) -> [String: Any] {
        #expect(result.exitCode == 0, "\(result)")
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? "{}"
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    @Test(
        "gRPC: four call kinds, one channel over 3 replicas, UNIMPLEMENTED, h2c and HTTP/1.1 on one port",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func grpcThroughGateway() async throws {
        try await withProject("grpc") { project in
            let port = try writeGRPCManifest(project)
            #expect(try await project.upDetached().exitCode == 0)
            let target = "127.0.0.1:\(port)"

            let kinds = try await grpcClient(project, [target, "kinds"])
            #expect((kinds["unary"] as? String)?.hasSuffix(":hello") == true, "\(kinds)")
            #expect((kinds["server"] as? [String])?.count == 5, "\(kinds)")
            #expect((kinds["client"] as? String)?.hasSuffix(":300:300000") == true, "\(kinds)")
            #expect((kinds["bidi"] as? [String])?.map { $0.suffix(1) } == ["x", "y", "z"], "\(kinds)")

            let calls = try await grpcClient(project, [target, "calls", "60"])
            #expect(calls["ok"] as? Int == 60, "\(calls)")
            let replicas = calls["replicas"] as? [String: Int] ?? [:]
            #expect(Set(replicas.keys) == ["0", "1", "2"], "one channel must reach every replica: \(calls)")

            // One call's metadata over the 16 KiB header list limit fails that call alone, RESOURCE_EXHAUSTED (RST_STREAM
            // ENHANCE_YOUR_CALM); before, GOAWAY COMPRESSION_ERROR failed every call on the connection (audit8).
            let big = try await grpcClient(project, [target, "bigmeta", "20000"])
            #expect(big["big"] as? String == "RESOURCE_EXHAUSTED", "\(big)")
            #expect(big["inflight"] as? String == "OK", "\(big)")
            #expect(big["after"] as? String == "OK", "\(big)")

            let missing = try await grpcClient(project, [target, "status", "/nowhere.Service/Call"])
            #expect(missing["code"] as? String == "UNIMPLEMENTED", "\(missing)")
            let metadata = missing["metadata"] as? [String: Any] ?? [:]
            #expect((metadata["x-request-id"] as? String)?.count == 16, "\(missing)")

            // Plain HTTP/1.1 on the same port, and HTTP/2 with prior knowledge to an HTTP/1.1 service.
            let http = try await onThread { try TestHTTPConnection(port: port).get("/web/headers") }
            #expect(http.status == 200, "\(http.text)")
            if access("/usr/bin/h2load", X_OK) == 0 {
                let load = try await project.runProgram(
                    "/usr/bin/h2load", ["-n", "400", "-c", "2", "-m", "20", "http://127.0.0.1:\(port)/web/healthz"])
                #expect(load.stdout.contains("400 succeeded, 0 failed"), "\(load.stdout)")
                #expect(load.stdout.contains("400 2xx"), "\(load.stdout)")
            }
            if access("/usr/bin/nghttp", X_OK) == 0 {
                let get = try await project.runProgram(
                    "/usr/bin/nghttp", ["-v", "http://127.0.0.1:\(port)/web/headers"])
                #expect(get.stdout.contains(":status: 200"), "\(get.stdout)")
                #expect(get.stdout.lowercased().contains("x-forwarded-proto: http"), "\(get.stdout)")
                // The gateway honours grpc-timeout itself: a call the replica answers in 2 s, with 200 ms to live,
                // gets DEADLINE_EXCEEDED from the gateway (its message names grpc-timeout).
                let message = Array("sleep:2000".utf8)
                let frame = [0, 0, 0, 0, UInt8(message.count)] + message
                let body = project.root + "/sleep.grpc"
                try Data(frame).write(to: URL(fileURLWithPath: body))
                let late = try await project.runProgram(
                    "/usr/bin/nghttp",
                    [
                        "-v", "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "grpc-timeout: 200m",
                        "-d", body, "http://127.0.0.1:\(port)/berth.test.Echo/Unary",
                    ])
                #expect(late.stdout.contains("grpc-status: 4"), "\(late.stdout)")
                #expect(late.stdout.contains("grpc-timeout"), "\(late.stdout)")
            }
        }
    }

    @Test(
        "gRPC: no ready replica is UNAVAILABLE; kill -9 of a replica under load fails only calls it had taken",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func grpcReplicaKilledUnderLoad() async throws {
        try await withProject("grpc-kill") { project in
            let port = try writeGRPCManifest(project)
            #expect(try await project.upDetached().exitCode == 0)
            let target = "127.0.0.1:\(port)"
            let status = try await project.waitForStatus("3 grpc replicas with pids") {
                $0.replicas("grpc").filter { $0.pid != nil }.count == 3
            }
            let victim = status.replicas("grpc")[1].pid!
            let load = try startGRPCClient(project, [target, "load", "6", "8"])
            try await Task.sleep(for: .seconds(2))
            kill(victim, SIGKILL)
            let result = Self.parse(await load.wait(timeout: .seconds(30)))
            let ok = result["ok"] as? Int ?? 0
            let errors = result["errors"] as? [String: Int] ?? [:]
            #expect(ok > 100, "\(result)")
            // Only the calls the killed replica had taken (8 callers at most at once) may fail, as UNAVAILABLE.
            #expect(Set(errors.keys).isSubset(of: ["UNAVAILABLE"]), "\(result)")
            #expect((errors["UNAVAILABLE"] ?? 0) <= 8, "\(result)")

            #expect(try await project.berth(["scale", "grpc=0"]).exitCode == 0)
            _ = try await project.waitForStatus("no grpc replica") { $0.replicas("grpc").isEmpty }
            let none = try await grpcClient(project, [target, "status", "/berth.test.Echo/Unary"])
            #expect(none["code"] as? String == "UNAVAILABLE", "\(none)")
            #expect((none["details"] as? String)?.contains("no ready replica") == true, "\(none)")
        }
    }

    @Test(
        "gRPC: a rolling berth restart under unary load fails no call",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func grpcRollingRestart() async throws {
        try await withProject("grpc-restart") { project in
            let port = try writeGRPCManifest(project)
            #expect(try await project.upDetached().exitCode == 0)
            let load = try startGRPCClient(project, ["127.0.0.1:\(port)", "load", "8", "6"])
            try await Task.sleep(for: .seconds(1))
            let restart = try await project.berth(["restart", "grpc"], timeout: .seconds(60))
            #expect(restart.exitCode == 0, "\(restart)")
            let result = Self.parse(await load.wait(timeout: .seconds(40)))
            #expect((result["errors"] as? [String: Int] ?? [:]).isEmpty, "\(result)")
            #expect((result["ok"] as? Int ?? 0) > 100, "\(result)")
        }
    }

    @Test(
        "gRPC and HTTP/2 over TLS by ALPN h2; HTTP/1.1 clients still get http/1.1",
        .enabled(if: hasGRPC, "skipped: needs python3 with grpcio"))
    func grpcOverTLS() async throws {
        try await withProject("grpc-tls") { project in
            let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("BerthGatewayTests/TLS").path
            let secure = freePort()
            _ = try writeGRPCManifest(
                project,
                extraListen: """
                        - { address: "127.0.0.1:\(secure)", tls: { cert: \(folder)/cert.pem, key: \(folder)/key.pem } }
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let calls = try await grpcClient(project, ["tls:localhost:\(secure):\(folder)/cert.pem", "calls", "12"])
            #expect(calls["ok"] as? Int == 12, "\(calls)")
            let h2 = try await project.runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version}", "--cacert", "\(folder)/cert.pem",
                    "https://localhost:\(secure)/web/headers",
                ])
            #expect(h2.stdout == "2", "\(h2)")
            let h1 = try await project.runProgram(
                "/usr/bin/curl",
                ["-sS", "--http1.1", "--cacert", "\(folder)/cert.pem", "https://localhost:\(secure)/web/headers"])
            #expect(h1.stdout.lowercased().contains("x-forwarded-proto: https"), "\(h1)")
        }
    }

    @Test("HTTP/2 hostile clients: rapid reset, CONTINUATION flood and bad frames get GOAWAY, and berthd logs why")
    func http2HostileClients() async throws {
        try await withProject("h2-hostile") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                    ready: { http: /healthz, interval: 200ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            func hostile(_ scenario: String) async throws -> [String: Any] {
                let result = try await project.runProgram(
                    "/usr/bin/env", ["python3", "\(Self.grpcFixtures)/h2_hostile.py", "\(port)", scenario])
                #expect(result.exitCode == 0, "\(result)")
                return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            }
            let enhanceYourCalm = 0xB
            let protocolError = 0x1
            let reset = try await hostile("rapid-reset")
            #expect(reset["goaway"] as? Int == enhanceYourCalm, "\(reset)")
            let continuation = try await hostile("continuation")
            #expect(continuation["goaway"] as? Int == enhanceYourCalm, "\(continuation)")
            // Unknown frame types are ignored but counted (audit7: a flood of them kept the connection open).
            let unknown = try await hostile("unknown-flood")
            #expect(unknown["goaway"] as? Int == enhanceYourCalm, "\(unknown)")
            let bad = try await hostile("bad-frame")
            #expect(bad["goaway"] as? Int == protocolError, "\(bad)")
            // An undecodable header block is a connection error (RFC 9113 §4.3): GOAWAY COMPRESSION_ERROR.
            let hpack = try await hostile("bad-hpack")
            #expect(hpack["goaway"] as? Int == 0x9, "\(hpack)")
            // A decodable but malformed one (an uppercase name) is a stream error: RST_STREAM PROTOCOL_ERROR, and the
            // connection serves its next stream (audit2: it was closed without a GOAWAY).
            let field = try await hostile("bad-field")
            #expect(field["reset_code"] as? Int == protocolError, "\(field)")
            #expect(field["goaway"] is NSNull, "\(field)")
            #expect(field["closed"] as? Bool == false, "\(field)")
            #expect(field["status"] as? Int == 200, "\(field)")
            // The daemon says why it closed each connection.
            let deadline = ContinuousClock.now + .seconds(5)
            var log = ""
            while ContinuousClock.now < deadline {
                log = (try? String(contentsOfFile: project.daemonLog, encoding: .utf8)) ?? ""
                if log.contains("rapid reset") && log.contains("CONTINUATION") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(log.contains("rapid reset"), "\(log.suffix(2000))")
            #expect(log.contains("CONTINUATION"), "\(log.suffix(2000))")
            // HTTP/1.1 on the same port is unaffected.
            let http = try await onThread { try TestHTTPConnection(port: port).get("/healthz") }
            #expect(http.status == 200)
        }
    }
}
