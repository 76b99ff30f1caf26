import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The thin I/O layer of usage sampling: one pass over `/proc/*/stat`, descriptor counts, small text files.
///
/// Reads only; every failure (a process that exited between the listing and the read) means "not there". Built for
/// a thousand replicas a second: one reused buffer, no string per process except the parse of its stat line.
public enum ProcScan {
    public static var ticksPerSecond: Int { Int(sysconf(Int32(_SC_CLK_TCK))) }
    public static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// CPU time used by the calling thread (to measure what a synchronous pass cost).
    public static func threadCPUTime() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }

    /// Every process's stat line, parsed (threads are not listed: /proc lists thread-group leaders).
    public static func processes(root: String = "/proc") -> [ProcStat] {
        var result: [ProcStat] = []
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return [] }
        defer { close(rootFD) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        forEachNumericEntry(root) { name in
            // "PID/stat" relative to /proc: openat saves building the whole path.
            var path = name
            path.append(contentsOf: "/stat".utf8)
            path.append(0)
            let fd = path.withUnsafeBufferPointer {
                openat(
                    rootFD,
                    UnsafeRawPointer($0.baseAddress!)
                        .assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
            }
            guard fd >= 0 else { return }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard count > 0 else { return }
            if let stat = ProcStat.parse(bytes: buffer[0..<count]) { result.append(stat) }
        }
        return result
    }

    /// How many descriptors `pid` has open (0 when it cannot be read). Since Linux 6.2 the size of `/proc/PID/fd`
    /// is that count: one `stat` instead of listing the directory, which cost most of a sample's time; older
    /// kernels report 0 and the directory is listed.
    public static func openFiles(_ pid: Int32, root: String = "/proc") -> Int {
        let path = "\(root)/\(pid)/fd"
        var info = stat()
        if stat(path, &info) == 0, info.st_size > 0 { return Int(info.st_size) }
        var count = 0
        forEachNumericEntry(path) { _ in count += 1 }
        return count
    }

    /// The CPU time each process has run, in nanoseconds (`/proc/PID/schedstat`'s first field), or nil when one of
    /// them cannot be read (gone, or a kernel without the file). One small read per process, much cheaper for the
    /// kernel to produce than a stat line: it tells whether anything ran at all since the last full pass.
    public static func runtimes(of pids: [Int32], root: String = "/proc") -> [Int32: UInt64]? {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        var buffer = [UInt8](repeating: 0, count: 128)
        var result: [Int32: UInt64] = [:]
        result.reserveCapacity(pids.count)
        for pid in pids {
            let fd = openat(rootFD, "\(pid)/schedstat", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard count > 0, let runtime = leadingNumber(buffer[0..<count]) else { return nil }
            result[pid] = runtime
        }
        return result
    }

    /// The decimal number at the start of `bytes`, or nil.
    static func leadingNumber(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The pids listed in a cgroup's `cgroup.procs`, or nil when it cannot be read.
    public static func cgroupMembers(_ procsFile: String) -> [Int32]? {
        guard let text = readText(procsFile) else { return nil }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    /// A small file's contents (up to 64 KiB), or nil.
    public static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let count = System.retrying { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Calls `body` with the name (bytes, no NUL) of each entry of `path` that starts with a digit.
    static func forEachNumericEntry(_ path: String, _ body: ([UInt8]) -> Void) {
        guard let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                guard let first = raw.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return }
                body(Array(raw.prefix { $0 != 0 }))
            }
        }
    }
}
