import BerthControlProtocol
import Foundation
import Testing

/// `schedule:` with the real daemon: a 2 s interval job runs on time, a slow one never overlaps itself, status shows
/// the last and next run, `run-now` obeys `concurrency`, and a run missed while the daemon was down runs once at
/// the next start (within `starting_deadline`).
extension IntegrationTests {
    /// Each run appends "start SECONDS" and "end SECONDS" (wall clock, fractional) to FILE in the project.
    static func runLogger(_ file: String, sleep: String) -> String {
        let script = "echo start $(date +%s.%N) >> \(file); sleep \(sleep); echo end $(date +%s.%N) >> \(file)"
        return "[\"/bin/sh\", \"-c\", \"\(script)\"]"
    }

    /// (start, end) of each run in the file; an unfinished last run has end nil.
    static func runs(_ path: String) -> [(start: Double, end: Double?)] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var runs: [(start: Double, end: Double?)] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let time = Double(parts[1]) else { continue }
            if parts[0] == "start" {
                runs.append((time, nil))
            } else if !runs.isEmpty {
                runs[runs.count - 1].end = time
            }
        }
        return runs
    }

    @Test("schedule: a 2 s interval job runs on time, a slow one never overlaps, and a missed run runs at restart")
    func scheduledJobs() async throws {
        try await withProject("schedule") { project in
            try project.writeManifest(
                services: """
                      tick:
                        command: \(Self.runLogger("tick.log", sleep: "0.2"))
                        schedule: { every: 2s, starting_deadline: 1m }
                      slow:
                        command: \(Self.runLogger("slow.log", sleep: "3"))
                        schedule: { every: 2s }
                      web:
                        command: ["/bin/sleep", "600"]
                    """)
            let up = try await project.upDetached()
            #expect(up.exitCode == 0, "\(up)")
            let tickLog = project.root + "/tick.log"
            let slowLog = project.root + "/slow.log"
            // Nothing runs at up: the first run is one interval later.
            #expect(Self.runs(tickLog).isEmpty)
            let ticks = try await eventually("four runs of tick", timeout: .seconds(15)) { () -> [(Double, Double?)]? in
                let runs = Self.runs(tickLog)
                return runs.count >= 4 && runs[3].end != nil ? runs.map { ($0.start, $0.end) } : nil
            }
            // On time: the starts are 2 s apart (within the daemon's and the shell's start-up).
            for (previous, next) in zip(ticks, ticks.dropFirst()) {
                let gap = next.0 - previous.0
                #expect(gap > 1.6 && gap < 2.5, "tick starts \(ticks.map(\.0))")
            }
            // The slow job (3 s per run, due every 2 s) never overlaps itself: each run starts after the last ended.
            let slow = Self.runs(slowLog)
            #expect(slow.count >= 2, "\(slow)")
            for (previous, next) in zip(slow, slow.dropFirst()) {
                let ended = try #require(previous.end, "\(slow)")
                #expect(next.start >= ended, "overlapping runs of slow: \(slow)")
            }
            let status = try await project.status()
            let schedule = try #require(status.service("tick")?.schedule, "\(status)")
            #expect(schedule.schedule == "every 2s" && schedule.concurrency == "forbid", "\(schedule)")
            #expect(schedule.lastRun != nil && schedule.nextRun != nil, "\(schedule)")
            #expect(status.replicas("tick").first?.exitCode == 0, "\(status)")
            #expect(status.service("web")?.schedule == nil)
            let table = try await project.berth(["status"])
            #expect(table.stdout.contains("schedule: every 2s, last run 20"), "\(table)")

            // run-now on a running slow job is refused (forbid); on the idle tick job it starts a run at once.
            _ = try await eventually("slow to be running", timeout: .seconds(10)) { () -> Bool? in
                try await project.status().service("slow")?.schedule?.running == true ? true : nil
            }
            let refused = try await project.berth(["run-now", "slow"])
            #expect(refused.exitCode == 125 && refused.stderr.contains("a run of slow is in progress"), "\(refused)")
            let events = try await project.berth(["events", "--json", "-n", "200"], timeout: .seconds(10))
            #expect(events.stdout.contains("run skipped: the last one still runs"), "\(events)")
            let notScheduled = try await project.berth(["run-now", "web"])
            #expect(notScheduled.exitCode == 125, "\(notScheduled)")
            #expect(notScheduled.stderr.contains("web has no schedule"), "\(notScheduled)")

            // Down for longer than the interval: tick missed a run (within its starting_deadline of 1m) and runs
            // once right at the next start; slow (no deadline) skips it and waits for its next due time.
            let down = try await project.berth(["down", "--timeout", "10s"], timeout: .seconds(20))
            #expect(down.exitCode == 0, "\(down)")
            let before = Self.runs(tickLog).count
            let slowBefore = Self.runs(slowLog).count
            try await Task.sleep(for: .seconds(3))
            let restartedAt = Date().timeIntervalSince1970
            let again = try await project.upDetached()
            #expect(again.exitCode == 0, "\(again)")
            let caughtUp = try await eventually("tick's missed run", timeout: .seconds(10)) { () -> Double? in
                let runs = Self.runs(tickLog)
                return runs.count > before ? runs[before].start : nil
            }
            #expect(caughtUp - restartedAt < 1.5, "the missed run started \(caughtUp - restartedAt) s after up")
            // slow (no starting_deadline) skipped its missed run; tick ran its own, as said in the events.
            let restarted = try await project.berth(["events", "--json", "-n", "200"], timeout: .seconds(10))
            let lines = restarted.stdout.split(separator: "\n")
            #expect(
                lines.contains { $0.contains(#""service":"slow""#) && $0.contains("no starting_deadline, skipped") },
                "\(restarted)")
            #expect(
                lines.contains { $0.contains(#""service":"tick""#) && $0.contains("run started (missed at") },
                "\(restarted)")
            // Its first run after the restart came on its grid (every 2 s from its last run), not at the start;
            // when the grid point falls right after the start the two cannot be told apart by time.
            let slowAfter = Self.runs(slowLog)
            if slowAfter.count > slowBefore, let last = slowAfter[..<slowBefore].last?.start {
                let due = last + 2 * ((restartedAt - last) / 2).rounded(.up)
                if due - restartedAt > 0.5 {
                    #expect(slowAfter[slowBefore].start > due - 0.3, "\(slowAfter), up at \(restartedAt)")
                }
            }
        }
    }

    @Test("schedule: reload applies a changed schedule without starting a run, and schedules an added job")
    func scheduleReload() async throws {
        try await withProject("schedule-reload") { project in
            func manifest(every: String, added: Bool) throws {
                try project.writeManifest(
                    services: """
                          job:
                            command: \(Self.runLogger("job.log", sleep: "0"))
                            schedule: { every: \(every) }
                          web:
                            command: ["/bin/sleep", "600"]
                        """
                            + (added
                                ? """

                                  added:
                                    command: \(Self.runLogger("added.log", sleep: "0"))
                                    schedule: { every: 1h }
                                """ : ""))
            }
            try manifest(every: "1h", added: false)
            #expect(try await project.upDetached().exitCode == 0)
            try manifest(every: "2s", added: true)
            let reloadedAt = Date().timeIntervalSince1970
            let reload = try await project.berth(["reload", "--timeout", "20s"], timeout: .seconds(40))
            #expect(reload.exitCode == 0, "\(reload)")
            let first = try await eventually("a run on the new schedule", timeout: .seconds(10)) { () -> Double? in
                Self.runs(project.root + "/job.log").first?.start
            }
            // Not at the reload (a rollout would have started one), but one interval later.
            #expect(first - reloadedAt > 1.5, "the first run started \(first - reloadedAt) s after the reload")
            let status = try await project.status()
            #expect(status.service("job")?.schedule?.schedule == "every 2s", "\(status)")
            #expect(status.service("added")?.schedule?.nextRun != nil, "\(status)")
            #expect(Self.runs(project.root + "/added.log").isEmpty)
        }
    }
}
