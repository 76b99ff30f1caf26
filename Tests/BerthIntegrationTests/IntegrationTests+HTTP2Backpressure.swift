import BerthTestSupport
import Foundation
import Testing

/// Issue 15: the gateway forwards a replica's HTTP/2 response frame by frame (no stream channel per call), so flow
/// control is its own bookkeeping: a client that stops reading must stop the replica, not make the gateway buffer
/// the whole response.
extension IntegrationTests {
    @Test("HTTP/2: a client that stops reading stops the h2c replica (the gateway buffers about two windows)")
    func http2SlowReaderBackpressuresReplica() async throws {
        try await withProject("h2-backpressure") { project in
            let port = freePort()
            let counter = project.root + "/flood.sent"
            let total = 8 << 20
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /flood, service: flood }
                services:
                  flood:
                    command: [python3, \(Self.grpcFixtures)/h2_flood_server.py, \(counter), "\(total)"]
                    port: auto
                    protocol: h2c
                    ready: { tcp: true, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            // The client asks for 8 MiB and never grants more than its initial 64 KiB window; it reads for 3 s.
            let result = try await project.runProgram(
                "/usr/bin/env", ["python3", "\(Self.grpcFixtures)/h2_hostile.py", "\(port)", "slow-reader"])
            #expect(result.exitCode == 0, "\(result)")
            let seen = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            let received = seen["data"] as? Int ?? -1
            let sent = Int((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "") ?? -1
            // The client got what its window allowed; the replica sent that plus what the gateway buffers for the
            // stream (its own stream window and the client stream's write buffer), far from the 8 MiB asked for.
            #expect(received == 65_535, "\(seen)")
            #expect(sent > received, "the replica sent \(sent) bytes")
            #expect(sent < 512 * 1024, "the replica sent \(sent) bytes to a client that read \(received)")
        }
    }

    @Test("HTTP/2: a replica's response with a field HTTP/2 forbids is not forwarded; the client hears at once")
    func http2InvalidReplicaResponseIsNotForwarded() async throws {
        guard access("/usr/bin/nghttp", X_OK) == 0 else { return }
        try await withProject("h2-bad-response") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  access_log: false
                  routes:
                    - { path: /, service: bad }
                services:
                  bad:
                    command: [python3, \(Self.grpcFixtures)/h2_flood_server.py, \(project.root)/sent, "16"]
                    env: { BAD_RESPONSE: "1" }
                    port: auto
                    protocol: h2c
                    ready: { tcp: true, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            // The replica's connection skips NIO's header checks (they are made once, on the client's connection):
            // the invalid block fails there and the client's stream is reset, not left waiting.
            let started = ContinuousClock.now
            let get = try await project.runProgram(
                "/usr/bin/nghttp", ["-v", "-t", "10", "http://127.0.0.1:\(port)/x"], timeout: .seconds(15))
            #expect(ContinuousClock.now - started < .seconds(8), "\(get)")
            #expect(!get.stdout.contains("connection: close"), "\(get.stdout)")
            #expect(get.stdout.contains("RST_STREAM") || get.stdout.contains(":status: 502"), "\(get.stdout)")
        }
    }
}
