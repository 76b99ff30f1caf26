import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

extension IntegrationTests {
    @Test("down kills a grandchild that ignores SIGTERM and left the replica's session")
    func downKillsEscapedGrandchild() async throws {
        try await withProject("orphan") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--grandchild", "--grandchild-setsid", "--ignore-term"))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                        stop: { timeout: 1s }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let replica = try await project.firstPID("web")
            let grandchild = try await eventually("the fixture's grandchild", timeout: .seconds(5)) {
                project.markedPIDs.first { $0 != replica }
            }
            let replicaSession = try #require(ProcessScan.sessionID(replica))
            let grandchildSession = try #require(ProcessScan.sessionID(grandchild))
            #expect(grandchildSession != replicaSession, "the grandchild should have escaped with setsid")
            #expect(grandchildSession == grandchild)
            let daemon = try #require(project.pidFromFile)
            project.recordDaemon(daemon)

            let down = try await project.berth(["down", "--timeout", "10s"], timeout: .seconds(30))
            #expect(down.exitCode == 0, "\(down)")
            #expect(down.elapsed < .seconds(1 + 5), "down took \(down.elapsed) with a 1s stop timeout")
            let left = try? await eventually("no process of the project left", timeout: .seconds(1)) { () -> Bool? in
                project.markedPIDs.isEmpty ? true : nil
            }
            #expect(left == true, "left behind: \(project.markedPIDs)")
            #expect(!ProcessScan.isAlive(grandchild))
            #expect(!ProcessScan.isAlive(replica))
            try await expectDaemonExits(daemon, project)
        }
    }

    @Test("a replica's run that ends takes along what left its group: restarts leave no stray processes")
    func restartKillsWhatTheRunLeftBehind() async throws {
        try await withProject("escapee") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--grandchild", "--grandchild-setsid"))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                        restart: { backoff: { initial: 100ms } }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            project.recordDaemon(try #require(project.pidFromFile))
            let replica = try await project.firstPID("web")
            let grandchild = try await eventually("the first run's escaped grandchild", timeout: .seconds(5)) {
                project.markedPIDs.first { $0 != replica }
            }
            #expect(ProcessScan.sessionID(grandchild) == grandchild, "the grandchild should have escaped with setsid")
            // The run ends (kill -9 of its group: the grandchild, in a session of its own, is not in it) and the
            // replica restarts. Before, each restart left one more grandchild until `berth down`.
            kill(-replica, SIGKILL)
            let next = try await eventually("the replacement", timeout: .seconds(10)) { () -> Int32? in
                guard let pid = try? await project.firstPID("web"), pid != replica else { return nil }
                return pid
            }
            let gone = try? await eventually("the first run's grandchild gone", timeout: .seconds(5)) { () -> Bool? in
                ProcessScan.isAlive(grandchild) ? nil : true
            }
            #expect(gone == true, "the first run's grandchild \(grandchild) is still alive")
            // The new run's own grandchild is untouched.
            let newGrandchild = try await eventually("the second run's grandchild", timeout: .seconds(5)) {
                project.markedPIDs.first { $0 != next && $0 != grandchild && ProcessScan.isAlive($0) }
            }
            #expect(ProcessScan.isAlive(newGrandchild))
            let logs = try await project.berth(["logs", "-n", "200"])
            #expect(logs.stdout.contains("left behind"), "\(logs)")
        }
    }

    @Test("after berthd is SIGKILLed, up cleans up its replicas and runs exactly the desired ones again")
    func restartAfterKilledDaemon() async throws {
        try await withProject("killed") { project in
            // Two free ports below the ephemeral range: a random base up to 40,000 could meet another test's
            // outgoing connection, and a replica that cannot bind its port is restarted (restarts 0 expected).
            let base = try #require(freeConsecutivePorts(2))
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                        replicas: 2
                        port: \(base)
                        ready: { http: /ready, interval: 100ms }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let before = try await project.status()
            let oldPIDs = before.replicas("web").compactMap(\.pid)
            #expect(oldPIDs.count == 2)
            #expect(before.replicas("web").map(\.port) == [base, base + 1])
            let oldDaemon = before.daemonPID
            #expect(project.pidFromFile == oldDaemon)

            kill(oldDaemon, SIGKILL)
            _ = try await eventually("the killed berthd to be gone", timeout: .seconds(5)) { () -> Bool? in
                ProcessScan.isAlive(oldDaemon) ? nil : true
            }

            let again = try await project.upDetached()
            #expect(again.exitCode == 0, "\(again)")
            let after = try await project.status()
            #expect(after.daemonPID != oldDaemon)
            let newReplicas = after.replicas("web")
            #expect(newReplicas.map(\.port) == [base, base + 1])
            #expect(newReplicas.allSatisfy { $0.state == .running && $0.ready && $0.restarts == 0 }, "\(newReplicas)")
            let newPIDs = newReplicas.compactMap(\.pid)
            #expect(Set(newPIDs).isDisjoint(with: oldPIDs))
            for pid in oldPIDs {
                #expect(!ProcessScan.isAlive(pid, project: project.name), "old replica \(pid) survived")
            }
            #expect(project.markedPIDs.sorted() == newPIDs.sorted(), "exactly the two new replicas run")
        }
    }

    @Test("depends_on completed: web starts after the migration finished; down stops in reverse order")
    func dependencyOrder() async throws {
        try await withProject("deps") { project in
            let web = """
                if [ -f marker ]; then echo web saw the marker; else echo web started before the marker; fi; \
                trap 'sleep 0.3; echo web >> stop-order; exit 0' TERM; \
                \(try Binaries.fixture) & wait
                """
            let db = "trap 'echo db >> stop-order; exit 0' TERM; while :; do sleep 0.05; done"
            try project.writeManifest(
                services: """
                      migrate:
                        command: ["sh", "-c", "sleep 0.3; echo migrated > marker"]
                        restart: { policy: on-failure }
                      db:
                        command: \(Self.yamlList(["sh", "-c", db]))
                      web:
                        command: \(Self.yamlList(["sh", "-c", web]))
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                        depends_on: { migrate: completed, db: started }
                        stop: { timeout: 5s }
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let status = try await project.status()
            #expect(status.replicas("migrate").first?.state == .completed)
            #expect(status.replicas("web").first?.ready == true)
            #expect(FileManager.default.fileExists(atPath: "\(project.root)/marker"))

            let logs = try await project.berth(["logs", "web"], timeout: .seconds(15))
            #expect(logs.exitCode == 0, "\(logs)")
            #expect(logs.stdout.contains("web.0 | web saw the marker"), "\(logs)")
            #expect(!logs.stdout.contains("before the marker"), "\(logs)")

            let down = try await project.berth(["down", "--timeout", "10s"], timeout: .seconds(30))
            #expect(down.exitCode == 0, "\(down)")
            let order = (try? String(contentsOfFile: "\(project.root)/stop-order", encoding: .utf8)) ?? ""
            #expect(order == "web\ndb\n", "web depends on db, so web must stop first; got \(order.debugDescription)")
            #expect(project.markedPIDs.isEmpty, "left behind: \(project.markedPIDs)")
        }
    }

    @Test("foreground up streams 'service.N | line' and SIGINT stops everything")
    func foregroundUp() async throws {
        try await withProject("fg") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--log-every", "100"))
                        replicas: 2
                        port: auto
                        ready: { http: /ready, interval: 100ms }
                    """)
            let up = try project.start(try Binaries.berth, ["up", "-f", project.manifestPath, "--timeout", "10s"])
            let pattern = /(?m)^web\.([01])\s* \| tick \d+ pid=\d+$/
            _ = try await eventually("tick lines of both replicas on stdout", timeout: .seconds(20)) { () -> Bool? in
                #expect(up.isRunning, "berth up exited early: \(up.stdout) \(up.stderr)")
                guard up.isRunning else { throw IntegrationFailure("berth up exited") }
                let replicas = Set(up.stdout.matches(of: pattern).map { String($0.output.1) })
                return replicas == ["0", "1"] ? true : nil
            }
            let status = try await project.status()
            let pids = status.replicas("web").compactMap(\.pid)
            #expect(pids.count == 2)
            #expect(project.markedPIDs.sorted() == pids.sorted())

            up.signal(SIGINT)
            let result = await up.wait(timeout: .seconds(20))
            #expect(result.exitCode == 0, "\(result)")
            #expect(result.stdout.contains("stopped"), "\(result)")
            #expect(project.markedPIDs.isEmpty, "left behind: \(project.markedPIDs)")
            for pid in pids {
                #expect(!ProcessScan.isAlive(pid))
            }
            try await expectDaemonExits(status.daemonPID, project)
        }
    }

    /// `berth down` returns once the socket stops answering, which is a few milliseconds before berthd has
    /// finished exiting (measured: ~13 ms); the process and its pid file must be gone shortly after.
    private func expectDaemonExits(_ daemon: Int32, _ project: TestProject) async throws {
        let exited = try? await eventually("berthd \(daemon) to exit", timeout: .seconds(2)) { () -> Bool? in
            ProcessScan.isAlive(daemon) || project.pidFromFile != nil ? nil : true
        }
        #expect(exited == true, "berthd \(daemon) still runs (or left its pid file) 2s after down returned")
    }
}

extension IntegrationTests {
    /// Issue 13, finding 6: a state.json edited to name pid 1 and a foreign process (with its true start time)
    /// makes the next berthd signal neither; the old replicas, which carry the instance's mark, are still stopped.
    @Test("after berthd is SIGKILLed, a forged state.json naming pid 1 and a foreign process signals neither")
    func forgedStateFileSignalsNothing() async throws {
        try await withProject("forged") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let before = try await project.status()
            let oldReplica = try #require(before.replicas("web").first?.pid)
            kill(before.daemonPID, SIGKILL)
            _ = try await eventually("the killed berthd to be gone", timeout: .seconds(5)) { () -> Bool? in
                ProcessScan.isAlive(before.daemonPID) ? nil : true
            }
            let sleeper = try project.start("/bin/sleep", ["60"])
            let foreign = try await eventually("the foreign sleep to run", timeout: .seconds(5)) { () -> Int32? in
                sleeper.commandPID
            }
            let path = project.stateDirectory + "/state.json"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            var record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            record["processes"] = [
                ["service": "web", "replica": 0, "pid": 1, "startTime": try Self.startTime(1)],
                ["service": "web", "replica": 1, "pid": Int(foreign), "startTime": try Self.startTime(foreign)],
            ]
            try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)

            #expect(try await project.upDetached().exitCode == 0)
            #expect(ProcessScan.isAlive(foreign), "the foreign process was signalled")
            #expect(!ProcessScan.isAlive(oldReplica, project: project.name), "the marked old replica was stopped")
            let log = (try? String(contentsOfFile: project.daemonLog, encoding: .utf8)) ?? ""
            #expect(log.contains("pid 1, is left alone: pid 1 is never a replica"), "\(log.suffix(2000))")
            #expect(log.contains("pid \(foreign), is left alone: it does not carry"), "\(log.suffix(2000))")
            kill(foreign, SIGKILL)
        }
    }

    /// Field 22 of /proc/PID/stat.
    static func startTime(_ pid: Int32) throws -> UInt64 {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = text[text.index(after: text.lastIndex(of: ")")!)...].split(separator: " ")
        return try #require(UInt64(fields[22 - 3]))
    }
}

extension IntegrationTests {
    /// Issue 13, finding 6: a state directory another user could write (where state.json could be forged) is
    /// refused with a clear error, and left as it is.
    @Test("a state directory others can write is refused with a clear error, and not chmodded")
    func looseStateDirectoryIsRefused() async throws {
        try await withProject("loose-state") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture())
                    """)
            try FileManager.default.createDirectory(atPath: project.stateDirectory, withIntermediateDirectories: true)
            chmod(project.stateDirectory, 0o777)
            let up = try await project.upDetached()
            #expect(up.exitCode != 0, "\(up)")
            #expect(up.output.contains("refusing the state directory \(project.stateDirectory)"), "\(up)")
            #expect(up.output.contains("mode 777"), "\(up)")
            var info = stat()
            #expect(lstat(project.stateDirectory, &info) == 0 && info.st_mode & 0o7777 == 0o777)
            #expect(project.markedPIDs.isEmpty, "nothing started")
        }
    }
}
