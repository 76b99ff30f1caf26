import BerthControlProtocol
import Foundation
import Testing

/// `${services.NAME.port}` with the real daemon: a dependency with `port: auto` is reached at the port it got.
extension IntegrationTests {
    @Test("service addresses: ${services.db.host}:${services.db.port} reaches a port: auto dependency")
    func serviceAddresses() async throws {
        try await withProject("addresses") { project in
            let script =
                "echo $DB_ADDR > addr.txt; "
                + "curl -s -o /dev/null -w '%{http_code}' http://$DB_ADDR/ready > reached.txt; exec sleep 600"
            try project.writeManifest(
                services: """
                      db:
                        command: \(try Self.fixture())
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                      web:
                        command: ["/bin/sh", "-c", "\(script)"]
                        env: { DB_ADDR: "${services.db.host}:${services.db.port}" }
                        depends_on: { db: ready }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let port = try #require(try await project.status().replicas("db").first?.port)
            let reached = try await eventually("web to reach db", timeout: .seconds(10)) { () -> String? in
                let text = try? String(contentsOfFile: project.root + "/reached.txt", encoding: .utf8)
                return text?.isEmpty == false ? text : nil
            }
            let address = try String(contentsOfFile: project.root + "/addr.txt", encoding: .utf8)
            #expect(address == "127.0.0.1:\(port)\n")
            #expect(reached == "200")
            // The reference is no variable of the replica.
            let pid = try await project.firstPID("web")
            #expect(try Self.procEnvironment(pid).keys.allSatisfy { !$0.hasPrefix("services.") })
        }
    }
}
