import BerthSystem
import Glibc

/// Reads the file driver's JSON lines for `berth logs`: every file of the project's log directory (rotated ones
/// first), merged by time; follows by polling the current files, reopening one that was rotated.
public final class FileLogReader: LogSource {
    public let directory: String
    public let policy: RotationPolicy
    /// How often `follow` looks for new lines, in microseconds.
    public var pollMicroseconds: UInt32 = 200_000

    /// Open files being followed, by name, with what is left of a partial last line.
    private struct Tail {
        var fd: Int32
        var inode: UInt64
        var partial: [UInt8] = []
    }

    private var tails: [String: Tail] = [:]

    public init(directory: String, policy: RotationPolicy = .standard) {
        self.directory = directory
        self.policy = policy
    }

    deinit {
        for tail in tails.values { close(tail.fd) }
    }

    /// The base names (`web.0.log`, `_berthd.log`) present in the directory.
    private func baseNames() -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: Set<String> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard let range = name.firstRange(of: ".log") else { continue }
            let base = String(name[..<range.upperBound])
            let rest = name[range.upperBound...]
            if rest.isEmpty || (rest.hasPrefix(".") && Int(rest.dropFirst()) != nil) { names.insert(base) }
        }
        return names.sorted()
    }

    private func wanted(_ base: String, _ filter: LogFilter) -> Bool {
        guard !filter.targets.isEmpty, base != "_berthd.log" else { return true }
        return filter.targets.contains { target in
            if let replica = target.replica { return base == "\(target.service).\(replica).log" }
            guard base.hasPrefix(target.service + "."), base.hasSuffix(".log") else { return false }
            return Int(base.dropFirst(target.service.count + 1).dropLast(4)) != nil
        }
    }

    public func records(_ filter: LogFilter, limit: Int?) throws(LogDriverError) -> [LogRecord] {
        for tail in tails.values { close(tail.fd) }
        tails = [:]
        var all: [LogRecord] = []
        for base in baseNames() where wanted(base, filter) {
            for path in policy.files(of: "\(directory)/\(base)") {
                let isCurrent = path.hasSuffix(".log")
                let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                guard fd >= 0 else { continue }
                var tail = Tail(fd: fd, inode: Self.inode(fd: fd))
                all += readAvailable(&tail, filter)
                if isCurrent { tails[base] = tail } else { close(fd) }
            }
        }
        all.sort { $0.time < $1.time }
        if let limit, all.count > limit { all.removeFirst(all.count - limit) }
        return all
    }

    public func follow(_ filter: LogFilter, onRecord: (LogRecord) -> Bool) throws(LogDriverError) {
        if tails.isEmpty { _ = try records(filter, limit: 0) }
        while true {
            var batch: [LogRecord] = []
            for base in baseNames() where wanted(base, filter) {
                let path = "\(directory)/\(base)"
                if var tail = tails[base] {
                    batch += readAvailable(&tail, filter)
                    var info = stat()
                    if stat(path, &info) == 0, UInt64(info.st_ino) != tail.inode {
                        // Rotated: the old file is complete (read above); start the new one.
                        close(tail.fd)
                        tails[base] = nil
                    } else {
                        tails[base] = tail
                        continue
                    }
                }
                let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                guard fd >= 0 else { continue }
                var tail = Tail(fd: fd, inode: Self.inode(fd: fd))
                batch += readAvailable(&tail, filter)
                tails[base] = tail
            }
            batch.sort { $0.time < $1.time }
            for record in batch {
                if let until = filter.until, record.time > until { return }
                if !onRecord(record) { return }
            }
            usleep(pollMicroseconds)
        }
    }

    private static func inode(fd: Int32) -> UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : 0
    }

    /// Reads `tail.fd` to its end; complete lines become records, a partial one waits for the rest.
    private func readAvailable(_ tail: inout Tail, _ filter: LogFilter) -> [LogRecord] {
        var records: [LogRecord] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = System.retrying { chunk.withUnsafeMutableBytes { read(tail.fd, $0.baseAddress, $0.count) } }
            guard got > 0 else { break }
            tail.partial += chunk[0..<got]
            var start = 0
            while let newline = tail.partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if let record = FileLogLine.decode(tail.partial[start..<newline], project: filter.project),
                    filter.matches(record)
                {
                    records.append(record)
                }
                start = newline + 1
            }
            tail.partial.removeFirst(start)
        }
        return records
    }
}
