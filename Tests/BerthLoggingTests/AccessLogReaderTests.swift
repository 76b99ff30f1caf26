import BerthLogging
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `berth logs --access` (issue 14): the access log's lines read back, filtered, tailed from the end of large rotated
/// files, and followed across rotations, against real files written by `AccessLogFile`.
@Suite struct AccessLogReaderTests {
    let directory: String
    var path: String { directory + "/access.log" }

    init() throws {
        directory = NSTemporaryDirectory() + "berth-access-read-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    static func line(_ number: Int, replica: String = "web.1", second: Int = 10) -> String {
        let time = "2026-12-05T15:58:\(second < 10 ? "0" : "")\(second).123Z"
        return "time=\(time) method=GET path=/n/\(number) status=200 replica=\(replica) upstream_ms=1.204 "
            + "total_ms=1.390 request_id=r\(number)"
    }

    func write(_ file: AccessLogFile, _ text: String) {
        Array(text.utf8).withUnsafeBytes { file.write($0) }
    }

    @Test func anEntryHasItsFieldsTimeAndReplica() {
        let entry = AccessLogEntry(line: Self.line(7))
        #expect(entry.time == 1_796_486_290.123)
        #expect(entry.service == "web")
        #expect(entry.replica == 1)
        #expect(
            entry.fields.map(\.key) == [
                "time", "method", "path", "status", "replica", "upstream_ms", "total_ms", "request_id",
            ])
        #expect(entry.json.hasPrefix(#"{"time":"2026-12-05T15:58:10.123Z","method":"GET","path":"/n/7""#))
        let refused = AccessLogEntry(line: "time=2026-12-05T15:58:10.000Z method=- path=- status=400 replica=-")
        #expect(refused.service == nil && refused.replica == nil)
        let noReplica = AccessLogEntry(line: "time=2026-12-05T15:58:10.000Z status=502 replica=api.v2.-")
        #expect(noReplica.service == "api.v2" && noReplica.replica == nil)
        #expect(AccessLogEntry(line: "garbage \" line").time == nil)
        #expect(AccessLogEntry(line: #"path=/a"b\c"#).json == #"{"path":"/a\"b\\c"}"#)
    }

    @Test func queriesFilterByServiceReplicaAndTime() {
        let web1 = AccessLogEntry(line: Self.line(1, replica: "web.1", second: 10))
        let web2 = AccessLogEntry(line: Self.line(2, replica: "web.2", second: 20))
        let refused = AccessLogEntry(line: "time=2026-12-05T15:58:30.000Z method=- path=- status=400 replica=-")
        let web = AccessLogQuery(targets: [.init(service: "web")])
        #expect([web1, web2, refused].filter(web.matches) == [web1, web2])
        #expect([web1, web2].filter(AccessLogQuery(targets: [.init(service: "web", replica: 2)]).matches) == [web2])
        #expect([web1, web2, refused].filter(AccessLogQuery(since: 1_796_486_295).matches) == [web2, refused])
        #expect([web1, web2, refused].filter(AccessLogQuery(until: 1_796_486_295).matches) == [web1])
    }

    @Test func theLastLinesComeFromTheEndOfLargeRotatedFiles() throws {
        // 3,000 lines of ~130 bytes over 64 KiB files: four files, each larger than one backward read.
        let file = AccessLogFile(path: path, maxBytes: 100_000, keep: 3)
        for batch in 0..<30 {
            write(file, (0..<100).map { Self.line(batch * 100 + $0) + "\n" }.joined())
        }
        file.close()
        #expect(FileManager.default.fileExists(atPath: path + ".3"))
        let reader = AccessLogReader(path: path)
        #expect(reader.entries(AccessLogQuery(), limit: 3).map(\.line) == [2997, 2998, 2999].map { Self.line($0) })
        let all = reader.entries(AccessLogQuery(), limit: nil)
        let first = try #require(all.first.flatMap { $0.fields.first { $0.key == "path" }?.value })
        let numbers = all.compactMap { $0.fields.first { $0.key == "path" }.flatMap { Int($0.value.dropFirst(3)) } }
        #expect(numbers == Array(Int(first.dropFirst(3))!...2999), "every line kept, in order, none twice")
        #expect(reader.entries(AccessLogQuery(), limit: 0).isEmpty)
    }

    @Test func anUnterminatedLastLineWaitsForItsNewline() throws {
        let file = AccessLogFile(path: path)
        write(file, Self.line(1) + "\n" + "time=2026-12-05T15:58:10.123Z method=GET pa")
        let reader = AccessLogReader(path: path)
        #expect(reader.entries(AccessLogQuery(), limit: 10).map(\.line) == [Self.line(1)])
        write(file, "th=/rest status=200 replica=web.1\n")
        var followed: [String] = []
        reader.follow(AccessLogQuery()) { entry in
            followed.append(entry.line)
            return false
        }
        #expect(followed == ["time=2026-12-05T15:58:10.123Z method=GET path=/rest status=200 replica=web.1"])
        file.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func followingGoesOnAcrossRotations() async throws {
        let file = AccessLogFile(path: path, maxBytes: 300, keep: 3)
        write(file, Self.line(0) + "\n")
        let reader = AccessLogReader(path: path)
        reader.pollMicroseconds = 10_000
        #expect(reader.entries(AccessLogQuery(targets: [.init(service: "web")]), limit: 5).count == 1)
        let followed = Followed(reader)
        async let collected = followed.start()
        for number in 1...12 {
            // One line per batch, a rotation every second or third batch; `api` lines are filtered out.
            write(file, Self.line(number, replica: number.isMultiple(of: 4) ? "api.0" : "web.1") + "\n")
            try await Task.sleep(for: .milliseconds(100))
        }
        write(file, Self.line(99, replica: "web.0") + "\n")
        let lines = await collected
        #expect(lines == [1, 2, 3, 5, 6, 7, 9, 10, 11].map { Self.line($0) } + [Self.line(99, replica: "web.0")])
        file.close()
    }
}

/// Runs `follow` on a thread of its own (it blocks) until the line of request 99.
private final class Followed: @unchecked Sendable {
    let reader: AccessLogReader

    init(_ reader: AccessLogReader) { self.reader = reader }

    func start() async -> [String] {
        await withCheckedContinuation { continuation in
            Thread {
                var lines: [String] = []
                self.reader.follow(AccessLogQuery(targets: [.init(service: "web")])) { entry in
                    lines.append(entry.line)
                    return !entry.line.hasSuffix("request_id=r99")
                }
                continuation.resume(returning: lines)
            }.start()
        }
    }
}
