#if canImport(Glibc)
import Glibc
#endif

/// The thin I/O layer of usage sampling: one pass over `/proc/*/stat`, descriptor counts, small text files.
///
/// Reads only; every failure (a process that exited between the listing and the read) means "not there".
public enum ProcScan {
    public static var ticksPerSecond: Int { Int(sysconf(Int32(_SC_CLK_TCK))) }
    public static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// Every process's stat line, parsed (threads are not listed: /proc lists thread-group leaders).
    public static func processes(root: String = "/proc") -> [ProcStat] {
        var result: [ProcStat] = []
        for name in numericEntries(root) {
            guard let text = readText("\(root)/\(name)/stat"), let stat = ProcStat.parse(Substring(text)) else {
                continue
            }
            result.append(stat)
        }
        return result
    }

    /// How many descriptors `pid` has open (0 when it cannot be read).
    public static func openFiles(_ pid: Int32, root: String = "/proc") -> Int {
        numericEntries("\(root)/\(pid)/fd").count
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
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func numericEntries(_ path: String) -> [Substring] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [Substring] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") {
                names.append(Substring(name))
            }
        }
        return names
    }
}
