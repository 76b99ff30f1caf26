import BerthSystem
import Glibc

/// Reads the gateway's access log (`access.log` in the state directory and its rotated `access.log.1` to `.3`, see
/// `AccessLogFile`) for `berth logs --access`: the last matching lines, read backwards from the newest file so that
/// `-n 100` costs a few reads even with 256 MiB of log; then follows the current file by polling, across rotations.
public final class AccessLogReader {
    public let path: String
    public let policy: RotationPolicy
    /// How often `follow` looks for new lines, in microseconds.
    public var pollMicroseconds: UInt32 = 200_000

    /// The current file being followed, with what is left of a partial last line.
    private struct Tail {
        var fd: Int32
        var inode: UInt64
        var partial: [UInt8] = []
    }

    private var tail: Tail?

    public init(path: String, policy: RotationPolicy = RotationPolicy(maxBytes: 64 << 20, keep: 3)) {
        self.path = path
        self.policy = policy
    }

    deinit {
        if let tail { close(tail.fd) }
    }

    /// Whether any file of the log exists.
    public var exists: Bool {
        policy.files(of: path).contains { access($0, F_OK) == 0 }
    }

    /// The last `limit` matching lines (all with nil), oldest first; `follow` goes on from the end of these.
    public func entries(_ query: AccessLogQuery, limit: Int?) -> [AccessLogEntry] {
        if let old = tail { close(old.fd) }
        tail = nil
        var found: [AccessLogEntry] = []  // Newest first.
        var wantMore = limit.map { $0 > 0 } ?? true
        for file in policy.files(of: path).reversed() {
            let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            let size = Int(lseek(fd, 0, SEEK_END))
            var unterminated = 0
            if wantMore {
                wantMore = Self.eachLineBackward(fd: fd, size: size, unterminated: &unterminated) { bytes in
                    let entry = AccessLogEntry(line: String(decoding: bytes, as: UTF8.self))
                    // Lines are in time order: nothing older can match.
                    if let since = query.since, let time = entry.time, time < since { return false }
                    if query.matches(entry) { found.append(entry) }
                    return limit.map { found.count < $0 } ?? true
                }
            } else if file == path {
                unterminated = Self.unterminatedLength(fd: fd, size: size)
            }
            if file == path {
                // Follow from the end of the last complete line (a partial one is read whole later).
                lseek(fd, off_t(size - unterminated), SEEK_SET)
                tail = Tail(fd: fd, inode: Self.inode(fd: fd))
            } else {
                close(fd)
            }
        }
        return found.reversed()
    }

    /// Calls `onEntry` with each new matching line until it returns false or a line is past `query.until`.
    public func follow(_ query: AccessLogQuery, onEntry: (AccessLogEntry) -> Bool) {
        if tail == nil { _ = entries(query, limit: 0) }
        while true {
            var info = stat()
            let current = stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
            if var followed = tail {
                // Rotated (or removed) after the check above: the old file is complete once read to its end.
                let rotated = current != followed.inode
                let lines = readAvailable(&followed)
                tail = followed
                for line in lines {
                    let entry = AccessLogEntry(line: line)
                    if isPast(entry, query) { return }
                    if query.matches(entry), !onEntry(entry) { return }
                }
                if rotated, current != nil {
                    close(followed.fd)
                    tail = nil
                }
            }
            if tail == nil, current != nil {
                let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                if fd >= 0 {
                    tail = Tail(fd: fd, inode: Self.inode(fd: fd))
                    continue  // Read it at once.
                }
            }
            usleep(pollMicroseconds)
        }
    }

    private func isPast(_ entry: AccessLogEntry, _ query: AccessLogQuery) -> Bool {
        guard let until = query.until, let time = entry.time else { return false }
        return time > until
    }

    /// Reads the followed file to its end: the complete lines; a partial one waits for the rest.
    private func readAvailable(_ tail: inout Tail) -> [String] {
        var lines: [String] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = System.retrying { chunk.withUnsafeMutableBytes { read(tail.fd, $0.baseAddress, $0.count) } }
            guard got > 0 else { break }
            tail.partial += chunk[0..<got]
            var start = 0
            while let newline = tail.partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if newline > start { lines.append(String(decoding: tail.partial[start..<newline], as: UTF8.self)) }
                start = newline + 1
            }
            tail.partial.removeFirst(start)
        }
        return lines
    }

    /// Visits the complete lines of the file (its first `size` bytes), last first, without their newline, until
    /// `visit` returns false (then false). `unterminated` gets the length of a last line without its newline yet
    /// (a batch being written), which is not visited.
    static func eachLineBackward(
        fd: Int32, size: Int, unterminated: inout Int, _ visit: (ArraySlice<UInt8>) -> Bool
    ) -> Bool {
        var position = size
        var pending: [UInt8] = []
        var atEnd = true
        while position > 0 {
            let count = min(64 * 1024, position)
            position -= count
            var data = [UInt8](repeating: 0, count: count)
            let got = data.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(position)) }
            guard got == count else { return true }
            data += pending
            var lineEnd = data.count
            while let newline = data[..<lineEnd].lastIndex(of: UInt8(ascii: "\n")) {
                let line = data[(newline + 1)..<lineEnd]
                if atEnd {
                    unterminated = line.count
                    atEnd = false
                } else if !line.isEmpty, !visit(line) {
                    return false
                }
                lineEnd = newline
            }
            pending = Array(data[..<lineEnd])
        }
        if atEnd {
            unterminated = pending.count
            return true
        }
        return pending.isEmpty || visit(pending[...])
    }

    /// The length of the file's last line when it has no newline yet (0 if it ends with one).
    static func unterminatedLength(fd: Int32, size: Int) -> Int {
        var length = 0
        var position = size
        var byte: UInt8 = 0
        while position > 0 {
            position -= 1
            guard pread(fd, &byte, 1, off_t(position)) == 1, byte != UInt8(ascii: "\n") else { break }
            length += 1
        }
        return length
    }

    private static func inode(fd: Int32) -> UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : 0
    }
}
