import BerthControlProtocol
import BerthNotify
import Foundation
import Synchronization
import Testing

extension IntegrationTests {
    @Test("berthd under systemd: READY=1 once up, STATUS= on changes, WATCHDOG=1 pings, STOPPING=1 on SIGTERM")
    func daemonNotifiesSystemd() async throws {
        try await withProject("sdnotify") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--ready-after", "600"))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                    """, top: "log: { driver: file }\n")
            let received = Mutex<[(ContinuousClock.Instant, NotifyMessage)]>([])
            let socketPath = project.root + "/notify.sock"
            let listener = try NotifyListener(path: socketPath) { message in
                received.withLock { $0.append((.now, message)) }
            }
            defer { listener.close() }
            project.extraEnvironment = ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"]
            let daemon = try project.start(try Binaries.berthd, ["--file", project.manifestPath])
            let started = ContinuousClock.now
            let ready = try await eventually("READY=1", timeout: .seconds(15)) { () -> NotifyMessage? in
                received.withLock { $0.first { $0.1.ready }?.1 }
            }
            #expect(ready.status == "1/1 replicas ready", "\(ready)")
            let readyAt = received.withLock { $0.first { $0.1.ready }!.0 }
            #expect(readyAt - started >= .milliseconds(600), "READY only after the replica is ready")
            let status = try await project.status()
            #expect(status.replicas("web").first?.ready == true)
            // WATCHDOG=1 at half of 400 ms: several pings within a second.
            try await Task.sleep(for: .seconds(1))
            let pings = received.withLock { $0.filter { $0.1.watchdog }.count }
            #expect(pings >= 3, "\(pings) pings")
            // A change of state is a new STATUS=.
            kill(try #require(status.replicas("web").first?.pid), SIGKILL)
            let changed = try? await eventually("a STATUS= after the crash", timeout: .seconds(10)) { () -> Bool? in
                received.withLock { $0.contains { $0.1.status?.hasPrefix("0/1 replicas ready") == true } }
                    ? true : nil
            }
            #expect(changed == true, "\(received.withLock { $0.map(\.1.fields) })")
            daemon.signal(SIGTERM)
            let result = await daemon.wait(timeout: .seconds(20))
            #expect(result.exitCode == 0, "\(result)")
            let stopping = received.withLock { $0.contains { $0.1.stopping } }
            #expect(stopping, "STOPPING=1 on shutdown")
        }
    }

    @Test("ready: { notify: true } waits for READY=1; health: { watchdog } restarts a replica whose pings stop")
    func replicaNotify() async throws {
        try await withProject("replica-notify") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--notify-ready-after", "1500"))
                        ready: { notify: true }
                      silent:
                        command: \(try Self.fixture())
                        ready: { notify: true, interval: 100ms }
                      pinger:
                        command: \(try Self.fixture("--notify-ready-after", "0", "--watchdog-every", "100",
                        "--watchdog-stop-after", "1500"))
                        notify: true
                        health: { watchdog: 500ms, interval: 200ms, failure_threshold: 1 }
                    """, top: "log: { driver: file }\n")
            let started = ContinuousClock.now
            let up = try project.start(try Binaries.berth, ["up", "-d", "-f", project.manifestPath, "--timeout", "4s"])
            let early = try await project.waitForStatus("web to have a process") {
                $0.replicas("web").first?.pid != nil
            }
            // web's 1.5 s start after `started`: a status read before then must say not ready. A loaded CI machine
            // may take longer to get here, and web may then rightly be ready already.
            if ContinuousClock.now - started < .milliseconds(1500) {
                #expect(early.replicas("web").first?.ready == false, "not ready before READY=1")
            }
            let ready = try await project.waitForStatus("web ready", timeout: .seconds(10)) {
                $0.replicas("web").first?.ready == true
            }
            #expect(ready.replicas("silent").first?.ready == false, "no READY=1, never ready")
            let result = await up.wait(timeout: .seconds(20))
            #expect(result.exitCode == 1, "up times out on 'silent': \(result)")
            let logs = try await project.berth(["logs", "web", "-n", "100"])
            // Both lines, in no set order: the replica's line comes through its pipe (the pump's thread), berth's
            // through the notify socket and the supervisor, and a loaded machine may write either first.
            #expect(logs.stdout.contains("| fixture: sending READY=1"), "\(logs)")
            #expect(logs.stdout.contains("| [berth] ready"), "\(logs)")
            // The pinger stops pinging 1.5 s in: its missing WATCHDOG=1 fails its liveness check, and it restarts.
            let restarted = try await project.waitForStatus("pinger restarted", timeout: .seconds(15)) {
                ($0.replicas("pinger").first?.restarts ?? 0) >= 1
            }
            #expect(restarted.replicas("pinger").first != nil)
            let events = try await project.berth(["logs", "pinger", "-n", "100"])
            #expect(events.stdout.contains("no WATCHDOG=1 from sd_notify"), "\(events)")
        }
    }
}

extension IntegrationTests {
    /// Issue 13, finding 7: a replica's notify socket takes messages only from the replica's own processes (its
    /// main process, or one in its group or session, as systemd's NotifyAccess=all); a forged READY=1 from
    /// another process, or from another user, is dropped and logged.
    @Test("notify: READY=1 counts only from the replica's processes, not from another process or user")
    func notifyRefusesOtherSenders() async throws {
        try await withProject("notify-forged") { project in
            // `child` is ready through a child of its shell (`; true` keeps sh from exec'ing the fixture).
            let child = try Binaries.fixture
            try project.writeManifest(
                services: """
                      quiet:
                        command: \(try Self.fixture())
                        ready: { notify: true }
                      child:
                        command: ["sh", "-c", "\(child) --notify-ready-after 200; true"]
                        ready: { notify: true }
                    """, top: "log: { driver: file }\n")
            let up = try project.start(try Binaries.berth, ["up", "-d", "-f", project.manifestPath, "--timeout", "1s"])
            let running = try await project.waitForStatus("both to have a process and child to be ready") {
                $0.replicas("quiet").first?.pid != nil && $0.replicas("child").first?.ready == true
            }
            #expect(running.replicas("quiet").first?.ready == false)
            let socket = project.stateDirectory + "/notify/quiet.0.sock"
            #expect(FileManager.default.fileExists(atPath: socket), "\(socket)")
            // From this test process (root or not: not the replica), and from uid 65534.
            #expect(NotifySocket(socket)?.send([("READY", "1"), ("STATUS", "forged")]) == true)
            if getuid() == 0, access("/usr/bin/setpriv", X_OK) == 0 {
                // Let uid 65534 reach the socket, as a `user:` replica must (no write permission is added).
                chmod(project.root, 0o711)
                chmod(project.stateDirectory, 0o711)
                let script =
                    "import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
                    + "s.sendto(b'READY=1\\nWATCHDOG=trigger', sys.argv[1])"
                let nobody = try await project.runProgram(
                    "/usr/bin/setpriv",
                    ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socket])
                #expect(nobody.exitCode == 0, "nobody could not even send: \(nobody)")
            }
            try await Task.sleep(for: .seconds(1))
            let after = try await project.status()
            #expect(after.replicas("quiet").first?.ready == false, "a forged READY=1 made the replica ready")
            #expect(after.replicas("quiet").first?.pid == running.replicas("quiet").first?.pid)
            _ = await up.wait(timeout: .seconds(10))
            let logs = try await project.berth(["logs", "-n", "200"])
            #expect(logs.stdout.contains("sd_notify message for quiet.0 dropped"), "\(logs.stdout)")
        }
    }
}

extension IntegrationTests {
    /// Found by the fourth outside audit (audit4): a `user:` replica's notify socket lay in the state directory,
    /// which is 0700 (its parent too, for root's default `/var/lib/berth`), so its `READY=1` got EACCES and it never
    /// became ready. (`notifyRefusesOtherSenders` had made the directories traversable by hand.) Now such a replica
    /// gets an abstract socket: with the directories as berthd made them, it is ready, and a READY from another
    /// process of the same user is still dropped.
    @Test(
        "notify: a user: replica reaches its notify socket with the state directory as berthd made it",
        .enabled(
            if: geteuid() == 0 && access("/usr/bin/systemd-notify", X_OK) == 0,
            "needs root (user:) and systemd-notify"))
    func notifyReachesAUserReplica() async throws {
        try await withProject("notify-user") { project in
            try project.writeManifest(
                services: """
                      low:
                        command: ["/bin/sh", "-c", "/usr/bin/systemd-notify --ready; exec /bin/sleep 600"]
                        user: nobody
                        workdir: /tmp
                        ready: { notify: true }
                      quiet:
                        command: ["/bin/sleep", "600"]
                        user: nobody
                        workdir: /tmp
                        ready: { notify: true }
                    """, top: "log: { driver: file }\n")
            let up = try project.start(try Binaries.berth, ["up", "-d", "-f", project.manifestPath, "--timeout", "1s"])
            // The broken daemon never makes `low` ready: systemd-notify cannot reach a socket under a 0700 directory.
            let running = try await project.waitForStatus("low ready and quiet running") {
                $0.replicas("low").first?.ready == true && $0.replicas("quiet").first?.pid != nil
            }
            var info = stat()
            #expect(stat(project.stateDirectory, &info) == 0 && info.st_mode & 0o077 == 0, "state directory opened up")
            // Another process of the same user, which can see the socket's name in /proc/net/unix, is not the replica.
            let quietPID = try #require(running.replicas("quiet").first?.pid)
            let environment = try String(contentsOfFile: "/proc/\(quietPID)/environ", encoding: .utf8)
            let socket = try #require(
                environment.split(separator: "\0").first { $0.hasPrefix("NOTIFY_SOCKET=") }?.dropFirst(14))
            #expect(socket.hasPrefix("@berth-notify-"), "\(socket)")
            let nobody = try await project.runProgram(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                    "NOTIFY_SOCKET='\(socket)' /usr/bin/systemd-notify --ready",
                ])
            #expect(nobody.exitCode == 0, "nobody could not even send: \(nobody)")
            try await Task.sleep(for: .seconds(1))
            #expect(try await project.status().replicas("quiet").first?.ready == false, "a forged READY=1 counted")
            _ = await up.wait(timeout: .seconds(10))
        }
    }
}
