import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    @Test("berth events and status --watch follow a kill -9, the restart and a scale-up as they happen")
    func eventsFollowTheDaemon() async throws {
        try await withProject("events") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        port: auto
                        ready: { http: /healthz, interval: 100ms }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let first = try await project.firstPID("web")
            let events = try project.start(try Binaries.berth, ["events", "--json", "-f", project.manifestPath])
            let watch = try project.start(try Binaries.berth, ["status", "--watch", "-f", project.manifestPath])
            // The recent events come first: web.0 was started and became ready.
            _ = try await eventually("the recent events", timeout: .seconds(10)) { () -> Bool? in
                events.stdout.contains(#""message":"ready (pid \#(first))""#) ? true : nil
            }
            kill(first, SIGKILL)
            _ = try await project.waitForStatus("web.0 back with a new pid") {
                guard let replica = $0.replicas("web").first, let pid = replica.pid else { return false }
                return pid != first && replica.ready
            }
            let scale = try await project.berth(["scale", "web=2", "-f", project.manifestPath, "--timeout", "20s"])
            #expect(scale.exitCode == 0, "\(scale)")
            let lines = try await eventually("the crash, restart, scale and rates events", timeout: .seconds(10)) {
                () -> [DaemonEvent]? in
                let decoded = events.stdout.split(separator: "\n").compactMap {
                    try? JSONDecoder().decode(DaemonEvent.self, from: Data($0.utf8))
                }
                let crashed = decoded.contains { $0.replica == 0 && $0.message.contains("killed by SIGKILL") }
                let scaled = decoded.contains { $0.kind == .scaled && $0.desired == 2 }
                let second = decoded.contains { $0.replica == 1 && $0.state == .running && $0.ready == true }
                // And a once-a-second `rates` sample (no routes here: an empty list).
                let rates = decoded.contains { $0.kind == .rates && $0.routes == [] }
                return crashed && scaled && second && rates ? decoded : nil
            }
            let sequences = lines.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
            // Not a terminal: one plain frame per event; the last ones show both replicas.
            let frames = try await eventually("a frame with two replicas", timeout: .seconds(10)) { () -> [String]? in
                let frames = watch.stdout.components(separatedBy: "berth status --watch · ").dropFirst()
                return frames.last.map { $0.contains("web      1") } == true ? Array(frames) : nil
            }
            #expect(frames.count >= 3)
            #expect(watch.isRunning && events.isRunning)
            events.killAll()
            watch.killAll()
        }
    }
}
