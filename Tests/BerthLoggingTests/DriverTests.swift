import BerthLogging
import Foundation
import Synchronization
import Testing

/// A temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "berth-logging-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func record(_ service: String, _ replica: Int, _ message: String, time: Double, priority: Int = 6) -> LogRecord {
    LogRecord(
        time: time, priority: priority, project: "p", service: service, replica: replica, pid: 7,
        message: message)
}

@Suite("File driver and reader on real files")
struct FileDriverTests {
    @Test func writesRotatesAndReadsBackInTimeOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policy = RotationPolicy(maxBytes: 2000, keep: 2)
        let driver = try FileLogDriver(directory: directory.path + "/logs", policy: policy)
        for index in 0..<200 {
            try driver.write(record("web", index % 2, "line \(index)", time: 100 + Double(index)))
        }
        try driver.write(
            LogRecord(
                time: 1000, priority: 4, project: "p", service: "web", replica: 0, pid: 7,
                message: "restarting", event: "restarting"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/logs").sorted()
        #expect(
            files == [
                "_berthd.log", "web.0.log", "web.0.log.1", "web.0.log.2", "web.1.log", "web.1.log.1",
                "web.1.log.2",
            ])
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: directory.path + "/logs/" + file)[.size] as! Int
            #expect(size <= 2000)
        }
        let reader = FileLogReader(directory: directory.path + "/logs", policy: policy)
        let all = try reader.records(LogFilter(project: "p"), limit: nil)
        // The oldest lines were rotated away; what is left is in time order and ends with the newest.
        #expect(all.map(\.time) == all.map(\.time).sorted())
        #expect(all.last?.event == "restarting")
        #expect(all.dropLast().last?.message == "line 199")
        let one = try reader.records(LogFilter(project: "p", targets: [.init(service: "web", replica: 1)]), limit: 3)
        #expect(one.map(\.message) == ["line 195", "line 197", "line 199"])
    }

    @Test func followSeesNewLinesAcrossRotation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policy = RotationPolicy(maxBytes: 1000, keep: 3)
        let logs = directory.path + "/logs"
        let driver = try FileLogDriver(directory: logs, policy: policy)
        try driver.write(record("web", 0, "before", time: 1))
        let seen = Mutex<[String]>([])
        let done = Mutex(false)
        let thread = Thread {
            let reader = FileLogReader(directory: logs, policy: policy)
            reader.pollMicroseconds = 20_000
            _ = try? reader.records(LogFilter(project: "p"), limit: 10)
            try? reader.follow(LogFilter(project: "p")) { record in
                seen.withLock { $0.append(record.message) }
                return record.message != "last"
            }
            done.withLock { $0 = true }
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(200))
        for index in 0..<40 {
            try driver.write(record("web", 0, "after \(index)", time: 2 + Double(index)))
            if index % 10 == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        try driver.write(record("web", 0, "last", time: 100))
        let deadline = ContinuousClock.now + .seconds(10)
        while !done.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(seen.withLock { $0 } == (0..<40).map { "after \($0)" } + ["last"])
    }
}

/// A real driver that holds every write until released: stands for a journal that cannot keep up.
final class HeldDriver: LogDriver, @unchecked Sendable {
    let name = "held"
    let gate = NSCondition()
    var open = false
    var waiting = false
    var written: [LogRecord] = []

    func write(_ record: LogRecord) throws(LogDriverError) {
        gate.lock()
        while !open {
            waiting = true
            gate.broadcast()
            gate.wait()
        }
        written.append(record)
        gate.unlock()
    }

    /// Returns once the writer thread is stuck in `write` (bounded: 5 s).
    func waitUntilBlocked() {
        gate.lock()
        let deadline = Date().addingTimeInterval(5)
        while !waiting, gate.wait(until: deadline) {}
        gate.unlock()
    }

    func release() {
        gate.lock()
        open = true
        gate.broadcast()
        gate.unlock()
    }

    var messages: [String] {
        gate.lock()
        defer { gate.unlock() }
        return written.map(\.message)
    }
}

@Suite("Log writer thread")
struct LogWriterTests {
    @Test func fullLanePausesItsProducerAndResumesWhenDrained() async throws {
        let driver = HeldDriver()
        let writer = LogWriter(driver: driver, highWater: 10, lowWater: 2)
        let lane = LogWriter.Lane(service: "web", replica: 0, incarnation: 1)
        let signals = Mutex<[Bool]>([])
        writer.onPressure(lane) { full in signals.withLock { $0.append(full) } }
        // The first line takes the writer thread into the held driver; only then do the others queue up (else the
        // thread may take a batch off the lane in between, and the lane pauses, resumes and pauses again).
        writer.write(record("web", 0, "l0", time: 0), lane: lane)
        driver.waitUntilBlocked()
        for index in 1..<25 { writer.write(record("web", 0, "l\(index)", time: Double(index)), lane: lane) }
        #expect(signals.withLock { $0 } == [true])
        writer.writeEvent(record("", -1, "event", time: 99))
        driver.release()
        writer.flush()
        #expect(signals.withLock { $0 } == [true, false])
        #expect(driver.messages.filter { $0 != "event" } == (0..<25).map { "l\($0)" })
        #expect(driver.messages.contains("event"))
    }

    @Test func aChattyLaneDoesNotDelayAQuietOne() async throws {
        let driver = HeldDriver()
        let writer = LogWriter(driver: driver, highWater: 10_000, lowWater: 10)
        let chatty = LogWriter.Lane(service: "chatty", replica: 0, incarnation: 1)
        let quiet = LogWriter.Lane(service: "quiet", replica: 0, incarnation: 1)
        for index in 0..<5000 { writer.write(record("chatty", 0, "c\(index)", time: 0), lane: chatty) }
        writer.write(record("quiet", 0, "q", time: 0), lane: quiet)
        driver.release()
        writer.flush()
        // The writer may already hold one batch of the chatty lane; after that the lanes alternate.
        let position = try #require(driver.messages.firstIndex(of: "q"))
        #expect(position <= LogWriter.batchSize + 1)
        #expect(driver.messages.count == 5001)
    }
}
