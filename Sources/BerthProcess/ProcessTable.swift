import BerthSystem
import Glibc

/// Reads /proc to find processes the daemon started in an earlier life (after it was SIGKILLed, its children live
/// on, marked by `BERTH_INSTANCE=<id>` in their environment) and to check a pid still names the same process.
public enum ProcessTable {
    /// Pids whose environment contains `key=value` exactly. Processes we may not read are skipped.
    public static func pids(withEnvironment key: String, value: String) -> [Int32] {
        let wanted = Array("\(key)=\(value)".utf8)
        return allPIDs().filter { pid in
            guard let environ = ProcFile.read("/proc/\(pid)/environ") else { return false }
            return environ.split(separator: 0, omittingEmptySubsequences: true).contains { $0.elementsEqual(wanted) }
        }
    }

    /// Whether the environment of `pid` contains `key=value` exactly (false when it cannot be read).
    public static func hasEnvironment(_ pid: Int32, key: String, value: String) -> Bool {
        hasEnvironment(pid, [(key, value)])
    }

    /// Whether the environment of `pid` contains every `key=value` exactly, read once (false when it cannot be read).
    public static func hasEnvironment(_ pid: Int32, _ pairs: [(key: String, value: String)]) -> Bool {
        guard pid > 0, let environ = ProcFile.read("/proc/\(pid)/environ") else { return false }
        let entries = environ.split(separator: 0, omittingEmptySubsequences: true)
        return pairs.allSatisfy { key, value in
            let wanted = Array("\(key)=\(value)".utf8)
            return entries.contains { $0.elementsEqual(wanted) }
        }
    }

    /// The effective uid a process runs as (the owner of /proc/PID).
    public static func owner(of pid: Int32) -> UInt32? {
        var info = stat()
        guard pid > 0, stat("/proc/\(pid)", &info) == 0 else { return nil }
        return info.st_uid
    }

    /// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. A pid plus its start time
    /// names one process even if the pid is reused.
    public static func startTime(of pid: Int32) -> UInt64? {
        statFields(of: pid).flatMap { UInt64($0[22 - 3]) }
    }

    public static func processGroup(of pid: Int32) -> Int32? {
        statFields(of: pid).flatMap { Int32($0[5 - 3]) }
    }

    /// Field 6 of /proc/PID/stat: the session id.
    public static func session(of pid: Int32) -> Int32? {
        statFields(of: pid).flatMap { Int32($0[6 - 3]) }
    }

    /// Field 4 of /proc/PID/stat: the parent pid.
    public static func parent(of pid: Int32) -> Int32? {
        statFields(of: pid).flatMap { Int32($0[4 - 3]) }
    }

    /// The one-letter state of /proc/PID/stat ("R", "S", "Z", ...).
    public static func state(of pid: Int32) -> String? {
        statFields(of: pid).map { $0[0] }
    }

    /// The process exists and is neither a zombie nor dead.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let state = state(of: pid) else { return false }
        return state != "Z" && state != "X" && state != "x"
    }

    /// Numeric entries of /proc.
    public static func allPIDs() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name), pid > 0 {
                pids.append(pid)
            }
        }
        return pids
    }

    /// Fields of /proc/PID/stat from field 3 (state) on: the command name (field 2) may hold spaces and ')'.
    private static func statFields(of pid: Int32) -> [String]? {
        guard pid > 0, let bytes = ProcFile.read("/proc/\(pid)/stat"),
            let close = bytes.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self)
        let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        return fields.count >= 20 ? fields : nil
    }
}

/// Whole-file reads of /proc files (their size is unknown until read).
enum ProcFile {
    static func read(_ path: String) -> [UInt8]? {
        let fd = System.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { buffer in
                System.retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            }
            if got < 0 { return nil }
            if got == 0 { return result }
            result.append(contentsOf: chunk[0..<got])
        }
    }
}
