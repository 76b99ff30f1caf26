import BerthControlProtocol
import Foundation
import Testing

/// Whether a journald listens (scripts/test.sh starts one when none runs, so in CI it does).
let journalIsLive: Bool = {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = Array("/run/systemd/journal/socket".utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + 1)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
    } == 0
}()

/// One line of `berth logs --json`.
struct LogLine: Decodable {
    var time: Double
    var priority: Int
    var service: String
    var replica: Int
    var pid: Int32
    var message: String
    var event: String?
}

extension IntegrationTests {
    @Test(
        "journald: lines and events reach the journal; berth logs reads, follows, works with the daemon down",
        .enabled(if: journalIsLive, "no journald listens on /run/systemd/journal/socket"))
    func journaldDriver() async throws {
        try await logDriverScenario(driver: "journald")
    }

    @Test("file driver: the same as journald, from JSON lines in the state directory")
    func fileDriver() async throws {
        try await logDriverScenario(driver: "file")
    }

    func logsJSON(_ project: TestProject, _ arguments: [String] = []) async throws -> [LogLine] {
        let result = try await project.berth(["logs", "--json", "-n", "1000"] + arguments, timeout: .seconds(15))
        guard result.exitCode == 0 else { throw IntegrationFailure("berth logs --json failed: \(result)") }
        return try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(LogLine.self, from: Data($0.utf8))
        }
    }

    func logDriverScenario(driver: String) async throws {
        try await withProject("logs-\(driver)") { project in
            let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--stdout", "OUT-\(token)", "--stderr", "<4>WARN-\(token)",
                        "--log-every", "200"))
                        replicas: 2
                        restart: { backoff: { initial: 50ms } }
                      db:
                        command: \(try Self.fixture("--stderr", "ERR-\(token)"))
                    """, top: "log: { driver: \(driver) }\n")
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let status = try await project.status()
            #expect(status.logDriver == driver)

            // Every replica's lines, with the right replica, pid and priority (stdout 6, stderr 3, `<4>` stripped).
            let lines = try await eventually("the tokens in berth logs --json", timeout: .seconds(10)) {
                () -> [LogLine]? in
                let lines = try await logsJSON(project)
                let found = lines.filter { $0.message.contains(token) }
                return found.count >= 5 ? lines : nil
            }
            for replica in 0..<2 {
                let pid = status.replicas("web")[replica].pid
                let out = lines.first { $0.message == "OUT-\(token)" && $0.replica == replica }
                #expect(out?.priority == 6 && out?.service == "web" && out?.pid == pid, "\(lines)")
                let warn = lines.first { $0.message == "WARN-\(token)" && $0.replica == replica }
                #expect(warn?.priority == 4, "\(lines)")
            }
            let err = lines.first { $0.message == "ERR-\(token)" }
            #expect(err?.priority == 3 && err?.service == "db" && err?.replica == 0, "\(lines)")
            #expect(lines.contains { $0.event == "ready" && $0.service == "web" }, "daemon events are there too")
            #expect(lines.map(\.time) == lines.map(\.time).sorted(), "merged by time")

            // The text form, one replica, and a priority filter.
            let text = try await project.berth(["logs", "web.1", "-n", "1000"])
            #expect(text.stdout.contains("web.1 | OUT-\(token)"), "\(text)")
            #expect(!text.stdout.contains("web.0 |") && !text.stdout.contains("db.0 |"), "\(text)")
            let errors = try await logsJSON(project, ["-p", "err"])
            #expect(!errors.isEmpty && errors.allSatisfy { $0.priority <= 3 }, "\(errors)")
            let since = try await logsJSON(project, ["--since", "-1h", "db"])
            #expect(since.contains { $0.message == "ERR-\(token)" }, "\(since)")
            let future = try await logsJSON(project, ["--since", "+1h"])
            #expect(future.isEmpty)

            // -f -n 0 sees only lines printed after it started (the fixture ticks every 200 ms).
            let follower = try project.start(try Binaries.berth, ["logs", "-f", "-n", "0", "web.0"])
            let followed = try? await eventually("a followed tick", timeout: .seconds(10)) { () -> Bool? in
                follower.stdout.contains("web.0 | tick ") ? true : nil
            }
            #expect(followed == true, "follower saw: \(follower.stdout) \(follower.stderr)")
            #expect(!follower.stdout.contains("OUT-\(token)"), "-n 0 shows nothing older")
            follower.killAll()

            // A crash: the daemon's exit and restart events are stored with their service and replica.
            let victim = try #require(status.replicas("web")[0].pid)
            kill(victim, SIGKILL)
            let events = try await eventually("the restart events", timeout: .seconds(10)) { () -> [LogLine]? in
                let events = try await logsJSON(project, ["web.0"]).filter { $0.event != nil }
                return events.contains { $0.event == "restarting" } ? events : nil
            }
            let exited = events.first { $0.event == "exited" && $0.pid == victim }
            #expect(exited?.message.contains("SIGKILL") == true, "\(events)")
            if driver == "journald" {
                try await expectJournalFields(project, token: token, victim: victim)
            } else {
                let files = try FileManager.default.contentsOfDirectory(atPath: project.stateDirectory + "/logs")
                #expect(Set(files).isSuperset(of: ["web.0.log", "web.1.log", "db.0.log", "_berthd.log"]), "\(files)")
            }

            // With the daemon down, past runs are still there.
            let down = try await project.berth(["down"])
            #expect(down.exitCode == 0, "\(down)")
            let after = try await logsJSON(project)
            #expect(after.contains { $0.message == "OUT-\(token)" }, "logs after down")
            #expect(after.contains { $0.event == "stopped" })
        }
    }

    /// `journalctl BERTH_SERVICE=web BERTH_PROJECT=... -o json` finds the fields Berth sets.
    func expectJournalFields(_ project: TestProject, token: String, victim: Int32) async throws {
        let query = try project.start(
            "/usr/bin/journalctl",
            ["BERTH_PROJECT=\(project.name)", "BERTH_SERVICE=web", "-o", "json", "--no-pager"])
        let result = await query.wait(timeout: .seconds(15))
        #expect(result.exitCode == 0, "\(result)")
        let entries = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let out = entries.first { $0["MESSAGE"] as? String == "OUT-\(token)" && $0["BERTH_REPLICA"] as? String == "1" }
        #expect(out?["SYSLOG_IDENTIFIER"] as? String == "web", "\(entries.prefix(3))")
        #expect(out?["PRIORITY"] as? String == "6")
        #expect((out?["BERTH_PID"] as? String).flatMap { Int32($0) } != nil)
        let warn = entries.first { $0["MESSAGE"] as? String == "WARN-\(token)" }
        #expect(warn?["PRIORITY"] as? String == "4")
        let restart = entries.first { $0["BERTH_EVENT"] as? String == "restarting" }
        #expect(restart?["SYSLOG_IDENTIFIER"] as? String == "berthd", "\(entries.count) entries")
        #expect(restart?["BERTH_REPLICA"] as? String == "0")
        let exited = entries.first { $0["BERTH_EVENT"] as? String == "exited" }
        #expect(exited?["BERTH_PID"] as? String == String(victim))
    }
}
