import Foundation

/// Reads /proc: which live processes carry a project's marks, whether a pid is still a live process, its session.
enum ProcessScan {
    /// Every live process with `BERTH_INSTANCE` (set by the daemon on everything it spawns) and
    /// `BERTH_PROJECT=project` in its environment; zombies have no environment and are not counted.
    static func markedPIDs(project: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let me = getpid()
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != me, let environment = environment(of: pid) else { return false }
            return environment.contains { $0.hasPrefix("BERTH_INSTANCE=") }
                && environment.contains("BERTH_PROJECT=\(project)")
        }.sorted()
    }

    /// Whether `pid` is a process that has not exited (a zombie counts as exited).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let state = stat(pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    /// Whether `pid` is alive and still one of the project's processes (not a reused pid).
    static func isAlive(_ pid: Int32, project: String) -> Bool {
        isAlive(pid) && (environment(of: pid)?.contains("BERTH_PROJECT=\(project)") ?? false)
    }

    /// The live processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { child in
            guard let info = stat(child) else { return false }
            return info.parent == pid && info.state != "Z"
        }
    }

    static func sessionID(_ pid: Int32) -> Int32? { stat(pid)?.session }

    /// The NUL-separated strings of /proc/PID/environ; nil when unreadable (gone, or a zombie).
    static func environment(of pid: Int32) -> [String]? {
        guard let bytes = read("/proc/\(pid)/environ"), !bytes.isEmpty else { return nil }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The live berthd processes started with `manifest` (its `--file`).
    static func daemons(manifest: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard isAlive(pid), let arguments = commandLine(of: pid), let first = arguments.first else { return false }
            return first.hasSuffix("berthd") && arguments.contains(manifest)
        }
    }

    static func commandLine(of pid: Int32) -> [String]? {
        guard let bytes = read("/proc/\(pid)/cmdline"), !bytes.isEmpty else { return nil }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// State, parent, process group and session from /proc/PID/stat (fields 3 to 6, after the command name).
    static func stat(_ pid: Int32) -> (state: Character, parent: Int32, group: Int32, session: Int32)? {
        guard let bytes = read("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 4, let state = fields[0].first, let parent = Int32(fields[1]),
            let group = Int32(fields[2]), let session = Int32(fields[3])
        else { return nil }
        return (state, parent, group, session)
    }

    /// Reads a whole /proc file (their size is reported as 0, so read until EOF).
    private static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return result }
            result += chunk[0..<count]
        }
    }
}
