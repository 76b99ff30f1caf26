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

extension IntegrationTests {
    /// Issue 14: TLS 1.2 offers only ECDHE key exchange with AEAD ciphers. Issue 13, finding 8: a renewed
    /// certificate is served after `berth reload` or SIGHUP without restarting a replica, and a broken one keeps
    /// the certificate in use.
    @Test(
        "gateway TLS: ECDHE+AEAD only on TLS 1.2; renewed certificates load on reload and SIGHUP, broken ones do not",
        .enabled(if: access("/usr/bin/openssl", X_OK) == 0, "skipped: needs /usr/bin/openssl"))
    func gatewayReloadsCertificates() async throws {
        try await withProject("tls-reload") { project in
            let certs = project.root + "/certs"
            try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
            for name in ["a", "b"] {
                let made = try await project.runProgram(
                    "/usr/bin/openssl",
                    [
                        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", "\(certs)/\(name).key", "-out", "\(certs)/\(name).crt",
                    ])
                #expect(made.exitCode == 0, "\(made)")
            }
            let rsa = try await project.runProgram(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", "\(certs)/rsa.key", "-out", "\(certs)/rsa.crt",
                ])
            #expect(rsa.exitCode == 0, "\(rsa)")
            // In-place renewals: the files under the same names are rewritten.
            func install(_ name: String) throws {
                for ext in ["crt", "key"] {
                    let data = try Data(contentsOf: URL(fileURLWithPath: "\(certs)/\(name).\(ext)"))
                    try data.write(to: URL(fileURLWithPath: "\(certs)/live.\(ext)"))
                }
            }
            try install("rsa")
            let secure = freePort()
            project.extraEnvironment["BERTH_TLS_POLL_SECONDS"] = "0"  // reload and SIGHUP only: each is proven
            try project.write(
                """
                name: \(project.name)
                gateway:
                  listen:
                    - { address: "127.0.0.1:\(secure)", tls: { cert: \(certs)/live.crt, key: \(certs)/live.key } }
                  access_log: false
                  routes:
                    - { path: /, service: web }
                services:
                  web:
                    command: \(try Self.fixture())
                    port: auto
                """, to: project.manifestPath)
            #expect(try await project.upDetached().exitCode == 0)
            let pid = try await project.firstPID("web")

            // TLS 1.2 with an RSA certificate: ECDHE-RSA with GCM is accepted; static RSA and CBC are refused.
            func handshake(_ cipher: String) async throws -> CommandResult {
                try await project.runProgram(
                    "/usr/bin/openssl",
                    ["s_client", "-connect", "127.0.0.1:\(secure)", "-tls1_2", "-cipher", cipher, "-brief"])
            }
            #expect(try await handshake("ECDHE-RSA-AES128-GCM-SHA256").exitCode == 0)
            for refused in ["AES128-SHA", "AES128-GCM-SHA256", "AES256-SHA256", "ECDHE-RSA-AES128-SHA"] {
                let result = try await handshake(refused)
                #expect(result.exitCode != 0, "\(refused) was accepted: \(result)")
            }

            func served(trusting name: String) async throws -> Bool {
                let curl = try await project.runProgram(
                    "/usr/bin/curl", ["-sS", "--cacert", "\(certs)/\(name).crt", "https://localhost:\(secure)/pid"])
                return curl.exitCode == 0
            }
            #expect(try await served(trusting: "rsa"))
            try install("a")
            #expect(try await !served(trusting: "a"), "nothing reloads without a reason when polling is off")
            let reload = try await project.berth(["reload"])
            #expect(reload.exitCode == 0, "\(reload)")
            #expect(reload.output.contains("TLS certificate of 127.0.0.1:\(secure) reloaded"), "\(reload)")
            #expect(try await served(trusting: "a"), "berth reload serves the renewed certificate")

            let daemon = try await project.status().daemonPID
            try install("b")
            kill(daemon, SIGHUP)
            let renewed = try await eventually("the certificate after SIGHUP", timeout: .seconds(10)) { () -> Bool? in
                try await served(trusting: "b") ? true : nil
            }
            #expect(renewed == true)

            // Half a renewal (a's key with b's certificate): refused, b stays in use, and the log says why.
            let key = try Data(contentsOf: URL(fileURLWithPath: "\(certs)/a.key"))
            try key.write(to: URL(fileURLWithPath: "\(certs)/live.key"))
            kill(daemon, SIGHUP)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await served(trusting: "b"), "the previous certificate stays in use")
            let status = try await project.status()
            #expect(status.daemonPID == daemon, "the daemon lives on")
            #expect(status.replicas("web").first?.pid == pid, "no replica restarted for a certificate")
            let log = (try? String(contentsOfFile: project.daemonLog, encoding: .utf8)) ?? ""
            #expect(log.contains("not reloaded, the previous one stays in use"), "\(log.suffix(3000))")
            let events = try await project.runProgram(
                "/usr/bin/curl",
                ["-sS", "-N", "--max-time", "2", "--unix-socket", project.socket, "http://berthd/v1/events?tail=200"])
            let certificates = events.stdout.split(separator: "\n").filter { $0.contains(#""kind":"certificate""#) }
            #expect(certificates.count == 3, "reload, SIGHUP, refused: \(certificates)")
            #expect(certificates.last?.contains("not reloaded") == true, "\(certificates)")
        }
    }
}

extension TestProject {
    /// Runs any program (not `berth`) with the project's environment, killed past `timeout`.
    func runProgram(
        _ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)
    ) async throws
        -> CommandResult
    {
        await (try start(executable, arguments)).wait(timeout: timeout)
    }
}
