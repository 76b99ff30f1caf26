import BerthLogging
import Foundation
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

    func write(_ file: AccessLogFile, _ text: String) {
        Array(text.utf8).withUnsafeBytes { file.write($0) }
    }

    @Test func appendsBatchesAndRotatesBySize() throws {
        let path = directory + "/access.log"
        let file = AccessLogFile(path: path, maxBytes: 100, keep: 2)
        write(file, String(repeating: "a", count: 59) + "\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8).count == 60)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        write(file, String(repeating: "b", count: 59) + "\n")  // 120 bytes: rotated after this batch
        write(file, "c\n")
        write(file, String(repeating: "d", count: 99) + "\n")  // rotated again: .1 -> .2
        write(file, "e\n")
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
        write(file, "x\n")
        write(file, "y\n")
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
