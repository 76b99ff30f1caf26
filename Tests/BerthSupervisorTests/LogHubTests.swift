import BerthControlProtocol
import Testing

@testable import BerthSupervisor

/// Log followers are bounded by bytes (issue #13, finding 9): a stalled follower keeps at most `followerBytes` of
/// new lines, drops the oldest, and reads one marker line with the count where the gap is.
@Suite struct LogHubTests {
    static func entry(_ index: Int, bytes: Int = 10, service: String = "web") -> LogEntry {
        let text = "line \(index) "
        return LogEntry(
            service: service, replica: 0, stream: .stdout, time: Double(index),
            line: text + String(repeating: "x", count: max(0, bytes - text.utf8.count)))
    }

    @Test func theBufferDropsTheOldestAndMarksTheGap() {
        let cost = FollowerBuffer.cost(Self.entry(0))
        var buffer = FollowerBuffer(limitBytes: cost * 3, backlog: [Self.entry(-2), Self.entry(-1)])
        for index in 0..<10 { buffer.push(Self.entry(index)) }
        #expect(buffer.liveBytes <= cost * 3)
        var lines: [String] = []
        while let entry = buffer.pop() { lines.append(entry.stream == .daemon ? entry.line : "\(Int(entry.time))") }
        #expect(lines == ["-2", "-1", "… 7 lines dropped: client too slow", "7", "8", "9"])
        #expect(buffer.isEmpty)
        // Nothing dropped, no marker; one line over the limit on its own still goes through.
        var huge = FollowerBuffer(limitBytes: 10)
        huge.push(Self.entry(1, bytes: 100))
        #expect(huge.pop()?.line.utf8.count == 100)
        #expect(huge.pop() == nil)
        #expect(FollowerBuffer.marker(dropped: 1) == "… 1 line dropped: client too slow")
    }

    /// A follower that reads nothing while 20,000 lines of 1 KiB (about 20 MiB) arrive holds at most 64 KiB.
    @Test func aStalledFollowerHoldsAtMostItsByteLimit() async {
        let limit = 64 * 1024
        let hub = LogHub(linesPerReplica: 10, followerBytes: limit)
        let stream = hub.lines(LogQuery(service: "web", tail: 0, follow: true))
        let total = 20_000
        for index in 0..<total { hub.append(Self.entry(index, bytes: 1024)) }
        hub.append(Self.entry(total, bytes: 10, service: "other"))  // not this follower's
        hub.finishAll()
        var received: [LogEntry] = []
        for await entry in stream { received.append(entry) }
        let marker = received.first { $0.stream == .daemon }
        let lines = received.filter { $0.stream != .daemon }
        #expect(lines.reduce(0) { $0 + FollowerBuffer.cost($1) } <= limit)
        #expect(lines.count == limit / FollowerBuffer.cost(Self.entry(0, bytes: 1024)))
        #expect(marker?.line == "… \(total - lines.count) lines dropped: client too slow")
        #expect(received.first == marker, "the marker stands where the gap is")
        #expect(lines.last.map { Int($0.time) } == total - 1, "the newest lines are kept")
        #expect(lines.map(\.time) == lines.map(\.time).sorted())
    }

    @Test func aFollowerThatKeepsUpLosesNothingAndIsForgottenWhenItGoesAway() async {
        let hub = LogHub(followerBytes: 4096)
        hub.append(Self.entry(0))
        var stream: AsyncStream<LogEntry>? = hub.lines(LogQuery(service: "web", tail: 5, follow: true))
        var iterator = stream?.makeAsyncIterator()
        #expect(hub.followerCount == 1)
        #expect(await iterator?.next()?.time == 0)
        for index in 1...500 {
            hub.append(Self.entry(index))
            #expect(await iterator?.next()?.time == Double(index))
        }
        iterator = nil
        stream = nil
        #expect(hub.followerCount == 0)
        // Without follow: the recent lines, then the end.
        var seen: [Double] = []
        for await entry in hub.lines(LogQuery(service: "web", tail: 3)) { seen.append(entry.time) }
        #expect(seen == [498, 499, 500])
    }

    @Test func aCancelledFollowerEnds() async {
        let hub = LogHub()
        let stream = hub.lines(LogQuery(follow: true))
        let reader = Task {
            var count = 0
            for await _ in stream { count += 1 }
            return count
        }
        hub.append(Self.entry(1))
        try? await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        #expect(await reader.value <= 1)
    }
}
