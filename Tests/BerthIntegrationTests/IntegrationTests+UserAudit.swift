import BerthTestSupport
import Foundation
import Testing

/// Found by the second outside audit (audit2), trying the supervisor as a user would.
extension IntegrationTests {
    @Test("two `berth up -d` at once: both succeed, one daemon runs the project")
    func twoUpsAtOnceBothSucceed() async throws {
        try await withProject("two-ups") { project in
            try project.writeManifest(services: "  web:\n    command: sleep 100000\n")
            // The race (both find no daemon, both start one; the second's exits: "another berthd is already
            // serving") is not certain on every round: three rounds.
            for round in 1...3 {
                let arguments = ["up", "-d", "-f", project.manifestPath, "--timeout", "20s"]
                let first = try project.start(try Binaries.berth, arguments)
                let second = try project.start(try Binaries.berth, arguments)
                let results = [await first.wait(timeout: .seconds(40)), await second.wait(timeout: .seconds(40))]
                for result in results { #expect(result.exitCode == 0, "round \(round): \(result)") }
                let status = try await project.status()
                #expect(status.services.flatMap(\.replicas).count == 1, "round \(round)")
                #expect(try await project.berth(["down", "--timeout", "10s"]).exitCode == 0)
            }
        }
    }
}
