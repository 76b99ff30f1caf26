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
}
