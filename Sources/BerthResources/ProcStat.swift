/// The figures of one process that usage sampling needs, from one line of `/proc/PID/stat`.
///
/// A pure parser so that the odd parts of that format (a command name in parentheses that may itself contain
/// spaces and parentheses) are tested without /proc.
public struct ProcStat: Sendable, Equatable {
    public var pid: Int32
    public var pgid: Int32
    /// User plus system CPU time, in clock ticks (`sysconf(_SC_CLK_TCK)`).
    public var cpuTicks: UInt64
    public var threads: Int
    /// Resident set size, in pages.
    public var residentPages: Int

    public init(pid: Int32, pgid: Int32, cpuTicks: UInt64, threads: Int, residentPages: Int) {
        self.pid = pid
        self.pgid = pgid
        self.cpuTicks = cpuTicks
        self.threads = threads
        self.residentPages = residentPages
    }

    /// Parses `pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...`
    /// (proc(5)); nil for anything else.
    public static func parse(_ line: Substring) -> ProcStat? {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close,
            let pid = Int32(line[..<open].trimmingSpaces)
        else { return nil }
        // Fields after the command, numbered from 3 (state) as in proc(5).
        let fields = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> Substring? {
            let position = number - 3
            return position < fields.count ? fields[position] : nil
        }
        guard let pgid = field(5).flatMap({ Int32($0) }),
            let utime = field(14).flatMap({ UInt64($0) }),
            let stime = field(15).flatMap({ UInt64($0) }),
            let threads = field(20).flatMap({ Int($0) }),
            let rss = field(24).flatMap({ Int($0) })
        else { return nil }
        return ProcStat(pid: pid, pgid: pgid, cpuTicks: utime + stime, threads: threads, residentPages: max(0, rss))
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " || text.last == "\n" { text.removeLast() }
        return text
    }
}
