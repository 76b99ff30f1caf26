import BerthTestSupport
import Foundation
import Testing

/// Found by the second outside audit (audit2): on an HTTP/1.1 connection bridged to an h2c service, a request
/// NIOHTTP1 cannot parse got NIOHTTP1's 400 `Connection: close`, but the connection stayed open until idle_timeout
/// and the access log had no line for it.
extension IntegrationTests {
    @Test("HTTP/1.1 bridged to h2c: an unparsable request gets 400, the connection closes, one access-log line each")
    func bridgedUnparsableRequestClosesAndIsLogged() async throws {
        try await withProject("h1-bridge-400") { project in
            let port = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen: 127.0.0.1:\(port)
                  routes:
                    - { path: /h2, service: flood }
                services:
                  flood:
                    command: [python3, \(Self.grpcFixtures)/h2_flood_server.py, \(project.root)/sent, "16"]
                    port: auto
                    protocol: h2c
                    ready: { tcp: true, interval: 100ms }
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let result = try await project.runProgram(
                "/usr/bin/env", ["python3", "\(Self.grpcFixtures)/h1_bridge_bad_request.py", "\(port)", "/h2"],
                timeout: .seconds(30))
            #expect(result.exitCode == 0, "\(result)")
            let seen = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            #expect(seen["first"] as? Int == 200, "\(seen)")
            #expect(seen["second"] as? Int == 400, "\(seen)")
            // Closed at once, not after idle_timeout (60 s; the client waits 5 s).
            #expect(seen["closed"] as? Bool == true, "\(seen)")
            let path = project.stateDirectory + "/access.log"
            let deadline = ContinuousClock.now + .seconds(5)
            var lines: [Substring] = []
            while ContinuousClock.now < deadline {
                lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
                if lines.contains(where: { $0.contains("status=400") }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(lines.filter { $0.contains("status=400") }.count == 1, "\(lines)")
            #expect(lines.filter { $0.contains("method=GET path=/h2 status=200") }.count == 1, "\(lines)")
        }
    }
}
