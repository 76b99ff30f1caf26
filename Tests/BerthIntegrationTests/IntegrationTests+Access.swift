import BerthControlProtocol
import Foundation
import Testing

extension IntegrationTests {
    @Test(
        "another uid is refused: by the socket's permissions, and by the daemon when they are relaxed",
        .enabled(
            if: getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0,
            "skipped: needs root and /usr/bin/setpriv (util-linux) to run berth as uid 65534"
        )
    )
    func otherUserIsRefused() async throws {
        try await withProject("uid") { project in
            // The temp dir itself lets anyone through: what refuses is the daemon's directory, socket and check.
            chmod(project.root, 0o755)
            try project.writeManifest(services: """
                  web:
                    command: \(try Self.fixture())
                """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")

            let denied = try await statusAsNobody(project)
            #expect(denied.exitCode == 77, "\(denied)")
            #expect(denied.stderr.contains("permission denied"), "\(denied)")

            let down = try await project.berth(["down", "--timeout", "10s"])
            #expect(down.exitCode == 0, "\(down)")

            project.extraEnvironment["BERTH_TEST_RELAXED_SOCKET"] = "1"
            let relaxed = try await project.upDetached()
            #expect(relaxed.exitCode == 0, "\(relaxed)")
            let forbidden = try await statusAsNobody(project)
            #expect(forbidden.exitCode != 0 && forbidden.exitCode != 77, "\(forbidden)")
            #expect(forbidden.stderr.contains("forbidden"), "\(forbidden)")
            #expect(!forbidden.stdout.contains(project.name), "nothing of the status leaks: \(forbidden)")
        }
    }

    private func statusAsNobody(_ project: TestProject) async throws -> CommandResult {
        let arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try Binaries.berth, "status"]
        let command = try project.start("/usr/bin/setpriv", arguments)
        return await command.wait(timeout: .seconds(15))
    }
}
