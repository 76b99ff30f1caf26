import BerthControlProtocol
import Foundation
import Testing

/// `concurrency: allow` and `berth run-now` with the real daemon: a 3 s job due every second overlaps itself in
/// replicas of its own, never more than `max_concurrent` at once; run-now waits for its run and exits with its status.
extension IntegrationTests {
    @Test("schedule: concurrency allow overlaps a 3 s job due every 1 s, bounded by max_concurrent")
    func scheduleAllowOverlaps() async throws {
        try await withProject("schedule-allow") { project in
            try project.writeManifest(
                services: """
                      overlap:
                        command: \(Self.runLogger("overlap.log", sleep: "3"))
                        schedule: { every: 1s, concurrency: allow, max_concurrent: 2 }
                      web:
                        command: ["/bin/sleep", "600"]
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let log = project.root + "/overlap.log"
            // Within 9 s: runs start while others run (two at once), and one run at least ended.
            let runs = try await eventually("overlapping runs", timeout: .seconds(20)) {
                () -> [(start: Double, end: Double?)]? in
                let runs = Self.runs(log)
                return runs.count >= 4 && runs.filter({ $0.end != nil }).count >= 2 ? runs : nil
            }
            let status = try await project.status()
            let indexes = status.replicas("overlap").map(\.index)
            #expect(Set(indexes) == [0, 1], "two run slots, job.0 and job.1: \(status.replicas("overlap"))")
            let text = try String(contentsOfFile: log, encoding: .utf8)
            let starts = text.split(separator: "\n").filter { $0.hasPrefix("start") }.count
            let ends = text.split(separator: "\n").filter { $0.hasPrefix("end") }.count
            #expect(starts - ends <= 2, "never more than max_concurrent runs in progress: \(text)")
            #expect(runs.count >= 4)
            let events = try await project.berth(["events", "--json", "-n", "300"], timeout: .seconds(10))
            let lines = events.stdout.split(separator: "\n")
            // Runs are told apart in events by their replica; a due run beyond the limit is skipped and said so.
            #expect(lines.contains { $0.contains("overlap.1 run started") }, "\(events)")
            #expect(lines.contains { $0.contains("run skipped: 2 runs still run, its max_concurrent") }, "\(events)")
            // The logs say which run printed what.
            let logs = try await project.berth(["logs", "overlap", "-n", "50"], timeout: .seconds(10))
            #expect(logs.exitCode == 0, "\(logs)")
            let schedule = try #require(status.service("overlap")?.schedule)
            #expect(schedule.concurrency == "allow", "\(schedule)")
            // Measured overlap from the wall-clock times the runs wrote themselves.
            let measured = Self.overlapFromTimes(text)
            #expect(measured == 2, "at most two at once, and two seen: \(text)")
        }
    }

    /// Runs in progress at once, from "start T" / "end T" lines in any order.
    static func overlapFromTimes(_ text: String) -> Int {
        var edges: [(Double, Int)] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let time = Double(parts[1]) else { continue }
            edges.append((time, parts[0] == "start" ? 1 : -1))
        }
        var current = 0
        var most = 0
        for edge in edges.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            current += edge.1
            most = max(most, current)
        }
        return most
    }

    @Test("run-now: waits for the run and exits with its status (128+N for a signal); -d returns at once")
    func runNowWaitsForTheRun() async throws {
        try await withProject("run-now") { project in
            try project.writeManifest(
                services: """
                      ok:
                        command: ["/bin/sh", "-c", "sleep 1; echo done"]
                        schedule: { every: 1h }
                      fails:
                        command: ["/bin/sh", "-c", "exit 7"]
                        schedule: { every: 1h }
                      killed:
                        command: ["/bin/sh", "-c", "kill -TERM $$$$"]  # $$ is a literal $ in the manifest
                        schedule: { every: 1h }
                      web:
                        command: ["/bin/sleep", "600"]
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let started = ContinuousClock.now
            let ok = try await project.berth(["run-now", "ok"])
            #expect(ok.exitCode == 0 && ok.stdout.contains("ok completed"), "\(ok)")
            #expect(ContinuousClock.now - started >= .seconds(1), "it waited for the 1 s run")
            let fails = try await project.berth(["run-now", "fails"])
            #expect(fails.exitCode == 7 && fails.stdout.contains("fails.0 failed: exited with status 7"), "\(fails)")
            let killed = try await project.berth(["run-now", "killed"])
            #expect(killed.exitCode == 128 + 15, "\(killed)")
            // -d: the run started, the command returned before it ended.
            let detached = try await project.berth(["run-now", "-d", "ok"])
            #expect(detached.exitCode == 0 && detached.stdout.contains("ok run started"), "\(detached)")
            let status = try await project.status()
            #expect(status.service("ok")?.schedule?.running == true, "\(status)")
            // A run in progress (forbid): refused, exit 125 with the reason (audit5: it exited 1, as `fails` would
            // had it exited 1). An unknown job is refused the same way.
            let refused = try await project.berth(["run-now", "ok"])
            #expect(refused.exitCode == 125 && refused.stderr.contains("a run of ok is in progress"), "\(refused)")
            let unknown = try await project.berth(["run-now", "nope"])
            #expect(unknown.exitCode == 125 && unknown.stderr.contains("no service named 'nope'"), "\(unknown)")
        }
    }
}
