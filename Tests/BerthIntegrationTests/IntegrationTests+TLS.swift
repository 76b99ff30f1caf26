import BerthTestSupport
import Foundation
import Testing

/// An HTTPS listen address of the real daemon's gateway, checked with curl against the test certificate.
extension IntegrationTests {
    @Test("gateway: an HTTPS listen address terminates TLS and forwards plain HTTP")
    func gatewayServesHTTPS() async throws {
        try await withProject("tls") { project in
            let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("BerthGatewayTests/TLS").path
            let plain = freePort()
            let secure = freePort()
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen:
                    - 127.0.0.1:\(plain)
                    - { address: "127.0.0.1:\(secure)", tls: { cert: \(folder)/cert.pem, key: \(folder)/key.pem } }
                  access_log: false
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let curl = try await project.runProgram(
                "/usr/bin/curl", ["-sS", "--cacert", "\(folder)/cert.pem", "https://localhost:\(secure)/headers"])
            #expect(curl.exitCode == 0, "\(curl)")
            #expect(curl.stdout.lowercased().contains("x-forwarded-proto: https"), "\(curl.stdout)")
            let untrusted = try await project.runProgram("/usr/bin/curl", ["-sS", "https://localhost:\(secure)/"])
            #expect(untrusted.exitCode != 0, "curl trusted a self-signed certificate: \(untrusted)")
            let http = try await onThread { try TestHTTPConnection(port: plain).get("/headers") }
            #expect(http.text.lowercased().contains("x-forwarded-proto: http\n"), "\(http.text)")
        }
    }
}

extension TestProject {
    /// Runs any program (not `berth`) with the project's environment, killed past `timeout`.
    func runProgram(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)) async throws
        -> CommandResult
    {
        await (try start(executable, arguments)).wait(timeout: timeout)
    }
}
