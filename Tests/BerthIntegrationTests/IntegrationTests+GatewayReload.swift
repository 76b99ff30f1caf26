import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

/// `berth reload` applies gateway settings other than listen addresses in the running daemon.
extension IntegrationTests {
    private func writeReloadManifest(_ project: TestProject, port: Int, extra: String) throws {
        try project.write(
            """
            name: \(project.name)
            gateway:
              listen: 127.0.0.1:\(port)
              access_log: false
            \(extra)
              routes:
                - { path: /, service: web }
            services:
              web:
                command: \(try Self.fixture())
                port: auto
                ready: { http: /healthz, interval: 100ms }
            """, to: project.manifestPath)
    }

    @Test("gateway: reload applies max_headers and trust_forwarded without a restart")
    func gatewayReloadAppliesSettings() async throws {
        try await withProject("gwreload") { project in
            let port = freePort()
            try writeReloadManifest(project, port: port, extra: "  max_headers: 5")
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let sixFields = "GET /pid HTTP/1.1\r\nHost: h\r\n" + (1...5).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
            let forged = ["X-Forwarded-For": "10.1.2.3"]
            let refused = try await onThread { () throws -> Int in
                let client = try TestHTTPConnection(port: port)
                try client.send(sixFields)
                return try client.readResponse().status
            }
            #expect(refused == 431)
            let untrusted = try await onThread { try TestHTTPConnection(port: port).get("/headers", headers: forged) }
            #expect(untrusted.text.lowercased().contains("x-forwarded-for: 127.0.0.1\n"), "\(untrusted.text)")

            try writeReloadManifest(project, port: port, extra: "  max_headers: 50\n  trust_forwarded: [127.0.0.1/32]")
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            #expect(reload.output.contains("apply the changed gateway settings"), "\(reload)")
            let accepted = try await onThread { () throws -> Int in
                let client = try TestHTTPConnection(port: port)
                try client.send(sixFields)
                return try client.readResponse().status
            }
            #expect(accepted == 200)
            let trusted = try await onThread { try TestHTTPConnection(port: port).get("/headers", headers: forged) }
            #expect(trusted.text.lowercased().contains("x-forwarded-for: 10.1.2.3, 127.0.0.1\n"), "\(trusted.text)")
            let after = try await project.status()
            #expect(after.replicas("web").map(\.pid) == before.replicas("web").map(\.pid), "nothing restarted")
        }
    }
}

extension IntegrationTests {
    @Test("health.gateway_failures added by berth reload restarts a replica after N failed requests")
    func gatewayFailuresAddedByReload() async throws {
        try await withProject("gwfailreload") { project in
            let port = freePort()
            func write(health: String) throws {
                try project.write(
                    """
                    name: \(project.name)
                    gateway:
                      listen: 127.0.0.1:\(port)
                      access_log: false
                      routes:
                        - { path: /, service: watched }
                    services:
                      watched:
                        command: \(try Self.fixture())
                        port: auto
                        ready: { http: /healthz, interval: 100ms }
                    \(health)
                    """, to: project.manifestPath)
            }
            try write(health: "")
            #expect(try await project.upDetached().exitCode == 0)
            try write(health: "    health: { gateway_failures: 2 }")
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            let rolled = try await project.status()
            let pid = try #require(rolled.replicas("watched").first?.pid)
            let statuses = try await onThread {
                let client = try TestHTTPConnection(port: port)
                return try (0..<2).map { _ in try client.get("/garbage").status }
            }
            #expect(statuses == [502, 502])
            let after = try await project.waitForStatus("watched.0 restarted after 2 gateway failures") {
                guard let replica = $0.replicas("watched").first else { return false }
                return replica.ready && replica.pid != pid && replica.restarts >= 1
            }
            #expect(after.replicas("watched").first?.pid != pid)
        }
    }
}
