import BerthControlProtocol
import Foundation
import Testing

@testable import BerthCLI

/// Starts a real (fake) daemon: a shell script that reports how it was started, then exits.
@Suite(.timeLimit(.minutes(1)))
struct DaemonLauncherTests {
    let directory: String
    let script: String
    let paths: ProjectPaths

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        script = directory + "/fake-berthd"
        let text = """
            #!/bin/sh
            read -r pid comm state ppid pgrp session rest < /proc/$$/stat
            echo "pid=$pid session=$session stdin=$(readlink /proc/$$/fd/0) args=$*"
            echo "manifest is broken" >&2
            exit 3

            """
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        paths = ProjectPaths(
            project: "t", socket: directory + "/run/control.sock", stateDirectory: directory + "/state"
        )
    }

    @Test func startsInItsOwnSessionAndReportsAnEarlyExitWithThisRunsLog() throws {
        try FileManager.default.createDirectory(atPath: paths.stateDirectory, withIntermediateDirectories: true)
        try "an older run\n".write(toFile: paths.daemonLog, atomically: true, encoding: .utf8)
        let launcher = DaemonLauncher(executable: script, manifestFile: "/srv/berth.yaml", paths: paths)
        let started = try launcher.start(environment: ["PATH": "/usr/bin:/bin"])
        let context = ProjectContext(manifest: nil, paths: paths, environment: [:])
        do {
            _ = try DaemonLauncher.awaitAnswer(started, context: context, limit: .seconds(20))
            Issue.record("a daemon that exits cannot answer")
        } catch {
            #expect(error.exitCode == .failure)
            #expect(error.message == "berthd exited with status 3 before it answered")
            let arguments = "--file /srv/berth.yaml --socket \(paths.socket) --state-dir \(paths.stateDirectory)"
            #expect(
                error.details == [
                    "  \(paths.daemonLog):",
                    "    pid=\(started.pid) session=\(started.pid) stdin=/dev/null args=\(arguments)",
                    "    manifest is broken",
                ]
            )
        }
        // berthd creates the socket's directory itself: it sets the mode only of directories it created.
        #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
    }

    @Test func locatesTheDaemonFromTheEnvironment() throws {
        #expect(try DaemonLauncher.locate(environment: ["BERTH_DAEMON": script]) == script)
        #expect(throws: CLIFailure.self) {
            try DaemonLauncher.locate(environment: ["BERTH_DAEMON": directory + "/missing"])
        }
    }
}
