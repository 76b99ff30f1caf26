import BerthLogging
import BerthNotify
import Testing

@Suite struct PriorityPrefixTests {
    @Test(arguments: [
        ("<3>disk full", 6, 3, "disk full"), ("<7>", 6, 7, ""), ("<0>panic", 3, 0, "panic"),
        ("<8>not a level", 6, 6, "<8>not a level"), ("<12>x", 6, 6, "<12>x"), ("<x>y", 3, 3, "<x>y"),
        ("<4", 6, 6, "<4"), ("plain", 3, 3, "plain"), ("", 6, 6, ""), (" <3>late", 6, 6, " <3>late"),
        ("<5>ünïcode", 6, 5, "ünïcode"),
    ])
    func split(_ line: String, _ fallback: Int, _ priority: Int, _ message: String) {
        let result = PriorityPrefix.split(line, fallback: fallback)
        #expect(result.priority == priority)
        #expect(result.message == message)
    }
}

@Suite struct LogTimeTests {
    // 2026-12-01 15:30:00 UTC.
    let now = 1_796_139_000.0

    func parse(_ text: String, offset: Int = 0) throws -> Double {
        try LogTime.parse(text, now: now, utcOffset: offset)
    }

    @Test func absolute() throws {
        #expect(try parse("2026-12-01 12:00:00") == 1_796_126_400)
        #expect(try parse("2026-12-01 12:00") == 1_796_126_400)
        #expect(try parse("2026-12-01") == 1_796_083_200)
        #expect(try parse("1970-01-01 00:00:01") == 1)
        #expect(try parse("2024-02-29") == 1_709_164_800)
    }

    @Test func clockTimesAreToday() throws {
        #expect(try parse("12:00") == 1_796_126_400)
        #expect(try parse("15:29:30") == now - 30)
    }

    @Test func namedDays() throws {
        #expect(try parse("now") == now)
        #expect(try parse("today") == 1_796_083_200)
        #expect(try parse("yesterday") == 1_796_083_200 - 86_400)
        #expect(try parse("tomorrow") == 1_796_083_200 + 86_400)
    }

    @Test func relative() throws {
        #expect(try parse("-10m") == now - 600)
        #expect(try parse("-2h") == now - 7200)
        #expect(try parse("-1d") == now - 86_400)
        #expect(try parse("-30s") == now - 30)
        #expect(try parse("-1h30m") == now - 5400)
        #expect(try parse("+5min") == now + 300)
        #expect(try parse("-90") == now - 90)
    }

    @Test func localTimeZone() throws {
        // UTC+2: local 12:00 is 10:00 UTC; local "today" starts at 22:00 UTC the day before.
        #expect(try parse("2026-12-01 12:00", offset: 7200) == 1_796_126_400 - 7200)
        #expect(try parse("today", offset: 7200) == 1_796_083_200 - 7200)
        // UTC-10 at 15:30 UTC is 05:30 local, still 2026-12-01.
        #expect(try parse("today", offset: -36_000) == 1_796_083_200 + 36_000)
    }

    @Test(arguments: [
        "soon", "2026-13-01", "2026-02-30", "25:00", "12:60", "-10x", "-", "12:00:00:00", "2026-1-1",
        "2026-12-01 12:00 extra", "",
    ])
    func rejects(_ text: String) {
        #expect(throws: LogTime.ParseError.self) { try parse(text) }
    }
}

@Suite struct SyslogPriorityTests {
    @Test func namesAndNumbers() {
        #expect(SyslogPriority.parse("err") == 3)
        #expect(SyslogPriority.parse("ERROR") == 3)
        #expect(SyslogPriority.parse("warning") == 4)
        #expect(SyslogPriority.parse("7") == 7)
        #expect(SyslogPriority.parse("8") == nil)
        #expect(SyslogPriority.parse("loud") == nil)
    }
}

@Suite struct LaneQueueTests {
    typealias Queue = LaneQueue<String, Int>

    @Test func pausesAtHighWaterAndResumesAtLowWater() {
        var queue = Queue(highWater: 3, lowWater: 1)
        #expect(queue.push(1, lane: "a") == .none)
        #expect(queue.push(2, lane: "a") == .none)
        #expect(queue.push(3, lane: "a") == .pause("a"))
        // Overshoot (lines already read) is accepted, and asks for no second pause.
        #expect(queue.push(4, lane: "a") == .none)
        #expect(queue.isPaused("a"))
        #expect(queue.pop()! == (1, .none))
        #expect(queue.pop()! == (2, .none))
        #expect(queue.pop()! == (3, .resume("a")))
        #expect(!queue.isPaused("a"))
        #expect(queue.pop()! == (4, .none))
        #expect(queue.pop() == nil)
    }

    @Test func servesLanesRoundRobinSoAChattyOneDelaysNoOther() {
        var queue = Queue(highWater: 100, lowWater: 10)
        for value in 0..<50 { _ = queue.push(value, lane: "chatty") }
        _ = queue.push(1000, lane: "quiet")
        let first = (0..<2).map { _ in queue.pop()!.element }
        #expect(first == [0, 1000])
    }

    @Test func urgentEntriesGoFirst() {
        var queue = Queue(highWater: 10, lowWater: 1)
        _ = queue.push(1, lane: "a")
        queue.pushUrgent(99)
        #expect(queue.pop()?.element == 99)
        #expect(queue.pop()?.element == 1)
        #expect(queue.isEmpty)
    }

    @Test func neverDropsAndKeepsOrderPerLane() {
        var queue = Queue(highWater: 4, lowWater: 2)
        var pauses = 0
        var resumes = 0
        var seen: [String: [Int]] = [:]
        for value in 0..<1000 {
            let lane = value % 3 == 0 ? "x" : "y"
            if case .pause = queue.push(value, lane: lane) { pauses += 1 }
            if value % 2 == 0, let (element, signal) = queue.pop() {
                seen[element % 3 == 0 ? "x" : "y", default: []].append(element)
                if case .resume = signal { resumes += 1 }
            }
        }
        while let (element, signal) = queue.pop() {
            seen[element % 3 == 0 ? "x" : "y", default: []].append(element)
            if case .resume = signal { resumes += 1 }
        }
        #expect(seen["x"] == Array(stride(from: 0, to: 1000, by: 3)))
        #expect(seen["y"] == (0..<1000).filter { $0 % 3 != 0 })
        #expect(pauses > 0)
        #expect(pauses == resumes)
    }
}

@Suite struct RotationPolicyTests {
    let policy = RotationPolicy(maxBytes: 100, keep: 3)

    @Test func rotatesOnlyWhenTheLineDoesNotFit() {
        #expect(!policy.shouldRotate(size: 0, adding: 500))
        #expect(!policy.shouldRotate(size: 90, adding: 10))
        #expect(policy.shouldRotate(size: 91, adding: 10))
    }

    @Test func renamesOldestFirst() {
        let steps = policy.renames(of: "/l/web.0.log").map { "\($0.from)>\($0.to)" }
        #expect(
            steps == [
                "/l/web.0.log.2>/l/web.0.log.3", "/l/web.0.log.1>/l/web.0.log.2", "/l/web.0.log>/l/web.0.log.1",
            ])
        #expect(policy.files(of: "b") == ["b.3", "b.2", "b.1", "b"])
        #expect(RotationPolicy(maxBytes: 1, keep: 0).renames(of: "b").isEmpty)
        #expect(RotationPolicy.standard == RotationPolicy(maxBytes: 10 * 1024 * 1024, keep: 3))
    }
}

@Suite struct FileLogLineTests {
    @Test func roundTripsAwkwardText() throws {
        let record = LogRecord(
            time: 1_796_139_000.25, priority: 3, project: "p", service: "web", replica: 2, pid: 42,
            message: "quote \" backslash \\ tab \t cr \r nul \u{0} bell \u{7} del \u{7F} ünï \u{FFFD} 🚢")
        let bytes = FileLogLine.encode(record)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(bytes.dropLast().contains(UInt8(ascii: "\n")) == false)
        let decoded = try #require(FileLogLine.decode(bytes.dropLast(), project: "p"))
        #expect(decoded == record)
    }

    @Test func timeHasMicroseconds() {
        func text(_ time: Double) -> String {
            let record = LogRecord(time: time, priority: 6, project: "p", service: "s", replica: 0, pid: 1, message: "")
            return String(decoding: FileLogLine.encode(record), as: UTF8.self)
        }
        #expect(text(1.5).hasPrefix(#"{"time":1.500000,"priority":6,"service":"s","replica":0,"pid":1,"#))
        #expect(text(1_796_139_000.000042).hasPrefix(#"{"time":1796139000.000042,"#))
        #expect(text(0).hasPrefix(#"{"time":0.000000,"#))
    }

    @Test func carriesEvents() throws {
        let record = LogRecord(
            time: 1, priority: 4, project: "p", service: "web", replica: 0, pid: 0,
            message: "restarting in 100 ms", event: "restarting")
        #expect(FileLogLine.decode(FileLogLine.encode(record).dropLast(), project: "p") == record)
        #expect(FileLogLine.decode(Array("{\"time\":1,\"prio".utf8), project: "p") == nil)
    }
}

@Suite struct LogFilterTests {
    func record(
        _ service: String, _ replica: Int, priority: Int = 6, time: Double = 10, event: String? = nil
    )
        -> LogRecord
    {
        LogRecord(
            time: time, priority: priority, project: "p", service: service, replica: replica, pid: 1,
            message: "m", event: event)
    }

    @Test func targetsWindowAndPriority() {
        let filter = LogFilter(
            project: "p", targets: [.init(service: "web", replica: 1), .init(service: "db")],
            since: 5, until: 20, maxPriority: 4)
        #expect(filter.matches(record("web", 1, priority: 3)))
        #expect(!filter.matches(record("web", 0, priority: 3)))
        #expect(filter.matches(record("db", 7, priority: 4)))
        #expect(!filter.matches(record("db", 7, priority: 6)))
        #expect(!filter.matches(record("db", 7, priority: 3, time: 4)))
        #expect(!filter.matches(record("db", 7, priority: 3, time: 21)))
    }

    @Test func leavesOutTheDaemonsChatterButNotItsEvents() {
        let filter = LogFilter(project: "p")
        #expect(!filter.matches(record("", -1, event: "log")))
        #expect(filter.matches(record("", -1, priority: 3, event: "log")))
        #expect(filter.matches(record("web", 0, event: "restarting")))
    }
}

@Suite struct NotifyMessageTests {
    @Test func parsesTheKnownAssignments() {
        let message = NotifyMessage.parse(Array("READY=1\nSTATUS=serving 3 clients\nWATCHDOG=1\nMAINPID=42\n".utf8))
        #expect(message.ready)
        #expect(message.watchdog)
        #expect(!message.stopping)
        #expect(message.status == "serving 3 clients")
        #expect(message.mainPID == 42)
        #expect(message.fields.map(\.key) == ["READY", "STATUS", "WATCHDOG", "MAINPID"])
    }

    @Test func ignoresJunkAndOtherValues() {
        let text = "garbage\n\n=x\nREADY=0\nWATCHDOG=trigger\nSTOPPING=1\nX_CUSTOM=a=b"
        let message = NotifyMessage.parse(Array(text.utf8))
        #expect(!message.ready)
        #expect(!message.watchdog)
        #expect(message.watchdogTrigger)
        #expect(message.stopping)
        #expect(message.fields.last?.value == "a=b")
        #expect(NotifyMessage.parse([UInt8]()) == NotifyMessage())
    }

    @Test func encodesOneLineStatus() {
        let bytes = NotifyMessage.encode([("READY", "1"), ("STATUS", "two\nlines")])
        #expect(String(decoding: bytes, as: UTF8.self) == "READY=1\nSTATUS=two")
    }

    @Test func socketAddresses() {
        #expect(NotifySocket("/run/x.sock") != nil)
        #expect(NotifySocket("@abstract") != nil)
        #expect(NotifySocket("@") == nil)
        #expect(NotifySocket("relative") == nil)
        #expect(NotifySocket(nil) == nil)
    }
}
