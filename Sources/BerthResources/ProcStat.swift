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

    /// Parses the bytes of a stat file, without making a string of the whole line.
    public static func parse(bytes: ArraySlice<UInt8>) -> ProcStat? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")), let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            open < close
        else { return nil }
        var pid: Int64 = 0
        for byte in bytes[..<open] where byte != UInt8(ascii: " ") {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            pid = pid * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        // Fields after the command, numbered from 3 (state) as in proc(5); only the numeric ones berth needs.
        var fields = NeededFields()
        var number = 3
        var current: Int64 = 0
        var negative = false
        var inField = false
        for byte in bytes[(close + 1)...] where number <= 24 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if inField {
                    fields.set(number, negative ? -current : current)
                    number += 1
                }
                inField = false
                current = 0
                negative = false
            } else {
                inField = true
                if byte == UInt8(ascii: "-") {
                    negative = true
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    current = current &* 10 &+ Int64(byte - UInt8(ascii: "0"))
                }
            }
        }
        if inField { fields.set(number, negative ? -current : current) }
        guard pid > 0, number > 24 || (inField && number == 24) else { return nil }
        return ProcStat(
            pid: Int32(truncatingIfNeeded: pid), pgid: Int32(truncatingIfNeeded: fields.pgid),
            cpuTicks: UInt64(max(0, fields.utime + fields.stime)), threads: Int(fields.threads),
            residentPages: Int(max(0, fields.rss)))
    }

    /// The fields of a stat line that usage needs, by their proc(5) number.
    struct NeededFields {
        var pgid: Int64 = 0
        var utime: Int64 = 0
        var stime: Int64 = 0
        var threads: Int64 = 0
        var rss: Int64 = 0

        mutating func set(_ number: Int, _ value: Int64) {
            switch number {
            case 5: pgid = value
            case 14: utime = value
            case 15: stime = value
            case 20: threads = value
            case 24: rss = value
            default: break
            }
        }
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
