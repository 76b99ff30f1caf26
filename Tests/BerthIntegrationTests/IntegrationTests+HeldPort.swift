import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

/// audit5: a replica held by `berth stop web.1` kept showing its old port in `berth status` after a `berth reload`
/// that moved the service's `port:` (it said 20001; `berth start web.1` then started it on the new base + 1).
extension IntegrationTests {
    @Test("a held replica shows the port it will start on after a reload moved port:")
    func heldReplicaShowsItsNextPortAfterReload() async throws {
        try await withProject("held-port") { project in
            let old = try #require(freeConsecutivePorts(2))
            let new = try #require(freeConsecutivePorts(2))
            try #require(abs(new - old) >= 2)
            func manifest(_ base: Int) throws {
                try project.writeManifest(
                    services: """
                          web:
                            command: \(try Self.fixture())
                            replicas: 2
                            port: \(base)
                            ready: { http: /ready, interval: 100ms }
                        """)
            }
            try manifest(old)
            #expect(try await project.upDetached().exitCode == 0)
            let stop = try await project.berth(["stop", "web.1"])
            #expect(stop.exitCode == 0, "\(stop)")
            try manifest(new)
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            let held = try await project.waitForStatus("web.0 on the new port, web.1 held") {
                let replicas = $0.replicas("web")
                return replicas.count == 2 && replicas[0].port == new && replicas[0].ready && replicas[1].held == true
            }
            #expect(held.replicas("web")[1].port == new + 1, "\(held)")
            let table = try await project.berth(["status"])
            #expect(table.stdout.contains("\(new + 1)") && !table.stdout.contains("\(old + 1)"), "\(table)")
            // Started, it listens where status said.
            let start = try await project.berth(["start", "web.1"])
            #expect(start.exitCode == 0, "\(start)")
            let started = try await project.waitForStatus("web.1 ready") { $0.replicas("web").last?.ready == true }
            #expect(started.replicas("web").map(\.port) == [new, new + 1], "\(started)")
        }
    }
}
