import BerthGateway
import BerthTestSupport
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The access log's file: batches appended whole, mode 0600, never through a planted link, rotated by size.
@Suite struct AccessLogFileTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "berth-access-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func lines(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func appendsBatchesAndRotatesBySize() throws {
        let path = directory + "/access.log"
        let file = AccessLogFile(path: path, maxBytes: 100, keep: 2)
        file.write(lines(String(repeating: "a", count: 59) + "\n"))
        #expect(try String(contentsOfFile: path, encoding: .utf8).count == 60)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        file.write(lines(String(repeating: "b", count: 59) + "\n"))  // 120 bytes: rotated after this batch
        file.write(lines("c\n"))
        file.write(lines(String(repeating: "d", count: 99) + "\n"))  // rotated again: .1 -> .2
        file.write(lines("e\n"))
        file.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "e\n")
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8).hasPrefix("c\nddd"))
        #expect(try String(contentsOfFile: path + ".2", encoding: .utf8).hasPrefix("aaa"))
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
    }

    @Test func aPlantedLinkIsNotFollowedAndTheErrorIsSaidOnce() throws {
        let target = directory + "/elsewhere"
        let path = directory + "/access.log"
        #expect(symlink(target, path) == 0)
        let errors = ErrorList()
        let file = AccessLogFile(path: path) { errors.add($0) }
        file.write(lines("x\n"))
        file.write(lines("y\n"))
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(errors.all.count == 1)
        #expect(errors.all.first?.contains("cannot open the access log") == true)
    }
}

final class ErrorList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// What one request's line says, through a real gateway (the `CapturedLog` sink parses the lines).
@Suite(.serialized) struct AccessLogLineTests {
    @Test func aLineHasTheTimeAndEveryField() async throws {
        let upstream = try ScriptedUpstream { _ in Array("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".utf8) }
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) { $0.accessLog = true }
        await gateway.ready("web", ports: [upstream.port])
        let response = try TestHTTPConnection(port: gateway.port).get("/a/b?c=1", headers: ["X-Request-Id": "abc-1"])
        #expect(response.status == 201)
        let line = try #require(await log.waitForRequests(1).first)
        #expect(line["method"] == "GET")
        #expect(line["path"] == "/a/b?c=1")
        #expect(line["status"] == "201")
        #expect(line["replica"] == "web.0")
        #expect(line["request_id"] == "abc-1")
        let time = try #require(line["time"])
        // 2026-12-05T15:58:10.123Z
        #expect(time.count == 24 && time.hasSuffix("Z") && time.dropFirst(10).hasPrefix("T"), "\(time)")
        #expect(Double(line["total_ms"] ?? "") != nil)
        #expect(Double(line["upstream_ms"] ?? "") != nil)
        await gateway.stop()
    }
}
