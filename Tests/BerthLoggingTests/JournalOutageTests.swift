import BerthLogging
import Foundation
import Testing

/// A datagram socket standing where journald's would be: real sockets, so that the driver's reconnect, fallback
/// and gap report are exercised the way a stopped or restarted journald exercises them.
final class DatagramListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Closes the socket and removes its file, as a stopped journald leaves things (or keeps the file: stale).
    func stop(removeFile: Bool = true) {
        close(fd)
        if removeFile { unlink(path) }
    }

    /// The MESSAGE and BERTH_EVENT fields of every datagram waiting (native protocol, `NAME=value` lines).
    func received() -> [(message: String, event: String?)] {
        var found: [(String, String?)] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) == 1 else { return found }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return found }
            var fields: [String: String] = [:]
            for line in buffer[..<count].split(separator: UInt8(ascii: "\n")) {
                guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
                fields[String(decoding: line[..<equals], as: UTF8.self)] =
                    String(decoding: line[(equals + 1)...], as: UTF8.self)
            }
            found.append((fields["MESSAGE"] ?? "", fields["BERTH_EVENT"]))
        }
    }
}

@Suite("journald outages: reconnect, fall back to files, report the gap")
struct JournalOutageTests {
    let directory = NSTemporaryDirectory() + "berth-outage-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)

    func record(_ message: String) -> LogRecord {
        LogRecord(
            time: Date().timeIntervalSince1970, priority: 6, project: "p", service: "web", replica: 0, pid: 7,
            message: message)
    }

    func fileLines() throws -> [LogRecord] {
        try FileLogReader(directory: directory + "/logs").records(LogFilter(project: "p"), limit: nil)
    }

    @Test func aRestartedJournalIsReconnectedToAndAGoneOneIsAnError() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/journal.sock"
        var journal = try DatagramListener(path: socketPath)
        let driver = JournalDriver(socketPath: socketPath)
        try driver.write(record("before"))
        #expect(journal.received().map(\.message) == ["before"])
        // Restarted between two lines: the driver reconnects to the new socket.
        journal.stop()
        journal = try DatagramListener(path: socketPath)
        try driver.write(record("after a restart"))
        #expect(journal.received().map(\.message) == ["after a restart"])
        // Gone (socket file removed), or stale (file kept, nobody reading): an error, never a silent loss.
        journal.stop()
        #expect(throws: LogDriverError.self) { try driver.write(record("gone")) }
        journal = try DatagramListener(path: socketPath)
        journal.stop(removeFile: false)
        #expect(throws: LogDriverError.self) { try driver.write(record("stale")) }
    }

    @Test func aStoppedJournalSendsLinesToFilesAndItsReturnIsReported() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/journal.sock"
        var journal = try DatagramListener(path: socketPath)
        let driver = FallbackLogDriver(
            primary: JournalDriver(socketPath: socketPath), directory: directory + "/logs",
            retryInterval: .milliseconds(100))
        try driver.write(record("before"))
        #expect(journal.received().map(\.message) == ["before"])

        // Stopped: every line goes to the files, after an event saying why, with the last second's lines repeated.
        journal.stop()
        for index in 0..<5 { try driver.write(record("gap \(index)")) }
        let stored = try fileLines()
        #expect(stored.filter { $0.event == nil }.map(\.message) == ["before"] + (0..<5).map { "gap \($0)" })
        #expect(
            stored.first { $0.event == "log_fallback" }?.message.contains("cannot send to journald") == true,
            "\(stored)")

        // Back: after the retry interval the next line goes to the journal, preceded by the gap report.
        journal = try DatagramListener(path: socketPath)
        defer { journal.stop() }
        try await Task.sleep(for: .milliseconds(150))
        try driver.write(record("back"))
        let received = journal.received()
        #expect(received.map(\.message).last == "back")
        let report = received.first { $0.event == "log_recovered" }
        #expect(report?.message.contains("the 5 lines of the gap are in the files") == true, "\(received)")
        #expect(try fileLines().filter { $0.event == nil }.count == 6, "nothing more went to the files")
    }
}
