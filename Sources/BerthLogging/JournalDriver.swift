import CSystemd
import Glibc

/// Sends each record to journald with `sd_journal_sendv` (one entry per line, Berth's fields alongside). A blocking
/// send while journald is behind is what slows a chatty replica down.
public final class JournalDriver: LogDriver {
    public let name = "journald"
    private var buffer: [UInt8] = []
    private var ends: [Int] = []

    public init() {}

    public func write(_ record: LogRecord) throws(LogDriverError) {
        buffer.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        // sd_journal_sendv itself switches a field holding a newline to the binary form; lines never hold one.
        field("MESSAGE=", record.message)
        field("PRIORITY=", String(record.priority))
        if let event = record.event {
            field("SYSLOG_IDENTIFIER=", "berthd")
            field("SYSLOG_PID=", String(getpid()))
            field("BERTH_EVENT=", event)
        } else {
            field("SYSLOG_IDENTIFIER=", record.service)
            field("SYSLOG_PID=", String(record.pid))
        }
        field("BERTH_PROJECT=", record.project)
        if !record.service.isEmpty { field("BERTH_SERVICE=", record.service) }
        if record.replica >= 0 { field("BERTH_REPLICA=", String(record.replica)) }
        if record.pid > 0 { field("BERTH_PID=", String(record.pid)) }
        // sd_journal_sendv reports success when the socket file is gone (journald stopped and cleaned up): check.
        guard access(JournalSocket.path, F_OK) == 0 else {
            throw LogDriverError("no journald socket at \(JournalSocket.path)")
        }
        var result: Int32 = 0
        for attempt in 0..<3 {
            result = send()
            if result >= 0 { return }
            if result != -EAGAIN, result != -EINTR, result != -ENOBUFS { break }
            usleep(UInt32(1000 << attempt))
        }
        throw LogDriverError("sd_journal_sendv: \(String(cString: strerror(-result)))")
    }

    private func field(_ name: StaticString, _ value: String) {
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        buffer.append(contentsOf: value.utf8)
        ends.append(buffer.count)
    }

    private func send() -> Int32 {
        buffer.withUnsafeMutableBytes { raw in
            var vectors: [iovec] = []
            vectors.reserveCapacity(ends.count)
            var start = 0
            for end in ends {
                vectors.append(iovec(iov_base: raw.baseAddress! + start, iov_len: end - start))
                start = end
            }
            return sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}
