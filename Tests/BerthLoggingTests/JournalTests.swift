import BerthLogging
import Foundation
import Synchronization
import Testing

let journalLive = JournalSocket.isLive()

/// The real journal: written with sd_journal_sendv, read back with sd_journal_*. scripts/test.sh starts a
/// standalone journald when none runs, so these run in CI.
@Suite("journald driver and reader", .enabled(if: journalLive, "no journald listens on /run/systemd/journal/socket"))
struct JournalTests {
    let project = "jt-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)

    func readBack(_ filter: LogFilter, count: Int) async throws -> [LogRecord] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let found = try JournalReader().records(filter, limit: nil)
            if found.count >= count || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func writesEntriesWithBerthFieldsAndReadsThemBack() async throws {
        let driver = JournalDriver()
        let long = String(repeating: "x", count: 70_000)
        let messages = ["plain", "with <3> inside", "ünï\u{FFFD}code", "nul \u{0} byte", long, ""]
        for (index, message) in messages.enumerated() {
            try driver.write(
                LogRecord(
                    time: 0, priority: index % 2 == 0 ? 6 : 3, project: project, service: "web",
                    replica: index % 2, pid: 4242, message: message))
        }
        try driver.write(
            LogRecord(
                time: 0, priority: 4, project: project, service: "web", replica: 1, pid: 4242,
                message: "web.1: restarting in 100 ms", event: "restarting"))
        let all = try await readBack(LogFilter(project: project), count: messages.count + 1)
        #expect(all.filter { $0.event == nil }.map(\.message) == messages)
        #expect(all.allSatisfy { $0.pid == 4242 && $0.service == "web" })
        #expect(all.first?.priority == 6)
        #expect(all.last?.event == "restarting")
        let replica1 = try await readBack(
            LogFilter(project: project, targets: [.init(service: "web", replica: 1)], maxPriority: 3), count: 3)
        #expect(replica1.map(\.message) == ["with <3> inside", "nul \u{0} byte", ""])
        let tail = try JournalReader().records(LogFilter(project: project), limit: 2)
        #expect(tail.map(\.message) == ["", "web.1: restarting in 100 ms"])
        let otherProject = try JournalReader().records(LogFilter(project: project + "-other"), limit: nil)
        #expect(otherProject.isEmpty)
    }

    @Test func followSeesEntriesWrittenAfterItStarted() async throws {
        let driver = JournalDriver()
        try driver.write(
            LogRecord(
                time: 0, priority: 6, project: project, service: "web", replica: 0, pid: 1,
                message: "old"))
        _ = try await readBack(LogFilter(project: project), count: 1)
        let seen = Mutex<[String]>([])
        let done = Mutex(false)
        let project = self.project
        let thread = Thread {
            guard let reader = try? JournalReader() else { return }
            _ = try? reader.records(LogFilter(project: project), limit: 10)
            try? reader.follow(LogFilter(project: project)) { record in
                seen.withLock { $0.append(record.message) }
                return record.message != "new 4"
            }
            done.withLock { $0 = true }
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(300))
        for index in 0..<5 {
            try driver.write(
                LogRecord(
                    time: 0, priority: 6, project: project, service: "web", replica: 0, pid: 1,
                    message: "new \(index)"))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !done.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(seen.withLock { $0 } == (0..<5).map { "new \($0)" })
    }
}
