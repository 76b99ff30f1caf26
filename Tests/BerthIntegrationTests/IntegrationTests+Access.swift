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
            try project.writeManifest(
                services: """
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

    /// Issue 13, finding 5: `nobody` owns a directory on the way to root's socket and plants a fake daemon there;
    /// then the fake socket sits in a directory of root's (as a renamed parent directory leaves it). Root's
    /// `berth status` refuses both with a clear error and shows nothing of the fake daemon's answer.
    @Test(
        "root's berth refuses a fake daemon planted by another user (directory on the way, then server uid)",
        .enabled(
            if: getuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0 && access("/usr/bin/python3", X_OK) == 0,
            "skipped: needs root, setpriv and python3 to plant a fake daemon as uid 65534"
        )
    )
    func fakeDaemonOfAnotherUserIsRefused() async throws {
        try await withProject("hijack") { project in
            chmod(project.root, 0o755)
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                    """)
            let theirs = project.root + "/theirs"
            mkdir(theirs, 0o755)
            chown(theirs, 65534, 65534)
            let planted = theirs + "/control.sock"
            let script = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(sys.argv[1])
                s.listen(8)
                s.settimeout(60)
                while True:
                    c, _ = s.accept()
                    c.settimeout(5)
                    try:
                        c.recv(65536)
                    except OSError:
                        pass
                    body = b'{"project":"FAKE-PROJECT","daemon_pid":1,"services":[]}'
                    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: "
                        + str(len(body)).encode() + b"\\r\\nConnection: close\\r\\n\\r\\n" + body)
                    c.close()
                """
            _ = try project.start(
                "/usr/bin/setpriv",
                ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, planted])
            _ = try await eventually("the fake daemon to listen", timeout: .seconds(10)) { () -> Bool? in
                FileManager.default.fileExists(atPath: planted) ? true : nil
            }
            project.extraEnvironment["BERTH_SOCKET"] = planted
            let below = try await project.berth(["status"])
            #expect(below.exitCode == 77, "\(below)")
            #expect(below.stderr.contains("refusing to use the control socket \(planted)"), "\(below)")
            #expect(below.stderr.contains("\(theirs) is owned by uid 65534"), "\(below)")
            #expect(!below.output.contains("FAKE-PROJECT"), "\(below)")

            let ours = project.root + "/ours"
            mkdir(ours, 0o755)
            #expect(rename(planted, ours + "/control.sock") == 0)
            project.extraEnvironment["BERTH_SOCKET"] = ours + "/control.sock"
            let served = try await project.berth(["status"])
            #expect(served.exitCode == 77, "\(served)")
            #expect(served.stderr.contains("served by uid 65534"), "\(served)")
            #expect(!served.output.contains("FAKE-PROJECT"), "\(served)")
        }
    }

    private func statusAsNobody(_ project: TestProject) async throws -> CommandResult {
        let arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try Binaries.berth, "status"]
        let command = try project.start("/usr/bin/setpriv", arguments)
        return await command.wait(timeout: .seconds(15))
    }
}
