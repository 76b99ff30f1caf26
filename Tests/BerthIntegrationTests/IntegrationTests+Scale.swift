import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    @Test("scale 1 -> 5 -> 2: returns once ready, indexes stay contiguous, removed replicas are gone")
    func scaleUpAndDown() async throws {
        try await withProject("scale") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            #expect(try await project.status().replicas("web").count == 1)

            let grow = try await project.berth(["scale", "web=5", "--timeout", "20s"], timeout: .seconds(40))
            #expect(grow.exitCode == 0, "\(grow)")
            let five = try await project.status()
            let replicas = five.replicas("web")
            #expect(five.service("web")?.desired == 5)
            #expect(replicas.map(\.index) == [0, 1, 2, 3, 4])
            #expect(replicas.allSatisfy { $0.state == .running && $0.ready }, "\(replicas)")
            let pids = replicas.compactMap(\.pid)
            #expect(Set(pids).count == 5, "five distinct processes: \(pids)")
            #expect(Set(replicas.compactMap(\.port)).count == 5, "five distinct ports: \(replicas)")
            #expect(pids.allSatisfy { ProcessScan.isAlive($0, project: project.name) })

            let shrink = try await project.berth(["scale", "web=2", "--timeout", "20s"], timeout: .seconds(40))
            #expect(shrink.exitCode == 0, "\(shrink)")
            let two = try await project.status().replicas("web")
            #expect(two.map(\.index) == [0, 1])
            #expect(two.map(\.pid) == Array(replicas.prefix(2).map(\.pid)), "replicas 0 and 1 were left alone")
            for replica in replicas.suffix(3) {
                let pid = try #require(replica.pid)
                #expect(!ProcessScan.isAlive(pid), "web.\(replica.index) (pid \(pid)) is still running")
            }
            #expect(project.markedPIDs.sorted() == two.compactMap(\.pid).sorted())
        }
    }
}
