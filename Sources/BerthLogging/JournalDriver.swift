import CSystemd
import Glibc

/// Sends each record to journald (one entry per line, Berth's fields alongside) over a socket of its own, so that a
/// journald that went away is an error (`sd_journal_sendv` reports success and drops the line when the socket file
/// is gone). A journald restarted between two lines is reconnected to at once; one that does not answer makes
/// `write` throw, and `FallbackLogDriver` sends the line to the files instead.
///
/// A blocking send while journald is behind is what slows a chatty replica down (the backpressure).
public final class JournalDriver: LogDriver {
    public let name = "journald"
    private let connection: JournalConnection
    private var entry: [UInt8] = []

    public init(socketPath: String = JournalSocket.path) {
        self.connection = JournalConnection(path: socketPath)
        _ = connection.connect()
    }

    public func write(_ record: LogRecord) throws(LogDriverError) {
        guard let error = sendToJournal(record) else { return }
        throw LogDriverError("cannot send to journald: \(String(cString: strerror(error)))")
    }

    /// nil when journald took the record, else the errno.
    private func sendToJournal(_ record: LogRecord) -> Int32? {
        encode(record)
        var error = connection.send(entry)
        if let failed = error, Self.meansJournalGone(failed) || failed == ENOTCONN {
            // A journald restarted since the last send has a new socket: connect to it and try once more.
            error = connection.connect() ?? connection.send(entry)
        }
        for attempt in 0..<3 {
            guard let failed = error else { return nil }
            switch failed {
            case EMSGSIZE:
                // Too large for one datagram: libsystemd passes it in a memfd.
                return sendInMemfd(record)
            case EAGAIN, ENOBUFS:
                usleep(UInt32(1000 << attempt))
                error = connection.send(entry)
            default:
                return failed
            }
        }
        return error
    }

    private static func meansJournalGone(_ error: Int32) -> Bool {
        [ECONNREFUSED, ENOENT, ECONNRESET, ENOTCONN, EPIPE].contains(error)
    }

    private func encode(_ record: LogRecord) {
        entry.removeAll(keepingCapacity: true)
        JournalConnection.append("MESSAGE", record.message, to: &entry)
        JournalConnection.append("PRIORITY", String(record.priority), to: &entry)
        if let event = record.event {
            JournalConnection.append("SYSLOG_IDENTIFIER", "berthd", to: &entry)
            JournalConnection.append("SYSLOG_PID", String(getpid()), to: &entry)
            JournalConnection.append("BERTH_EVENT", event, to: &entry)
        } else {
            JournalConnection.append("SYSLOG_IDENTIFIER", record.service, to: &entry)
            JournalConnection.append("SYSLOG_PID", String(record.pid), to: &entry)
        }
        JournalConnection.append("BERTH_PROJECT", record.project, to: &entry)
        if !record.service.isEmpty { JournalConnection.append("BERTH_SERVICE", record.service, to: &entry) }
        if record.replica >= 0 { JournalConnection.append("BERTH_REPLICA", String(record.replica), to: &entry) }
        if record.pid > 0 { JournalConnection.append("BERTH_PID", String(record.pid), to: &entry) }
    }

    /// The same fields through `sd_journal_sendv`, which passes an entry too large for a datagram in a memfd.
    private func sendInMemfd(_ record: LogRecord) -> Int32? {
        var fields: [String] = [
            "MESSAGE=\(record.message)", "PRIORITY=\(record.priority)", "BERTH_PROJECT=\(record.project)",
        ]
        if let event = record.event {
            fields += ["SYSLOG_IDENTIFIER=berthd", "SYSLOG_PID=\(getpid())", "BERTH_EVENT=\(event)"]
        } else {
            fields += ["SYSLOG_IDENTIFIER=\(record.service)", "SYSLOG_PID=\(record.pid)"]
        }
        if !record.service.isEmpty { fields.append("BERTH_SERVICE=\(record.service)") }
        if record.replica >= 0 { fields.append("BERTH_REPLICA=\(record.replica)") }
        if record.pid > 0 { fields.append("BERTH_PID=\(record.pid)") }
        var storage = fields.map { Array($0.utf8) }
        let result = storage.withUnsafeMutableBufferPointer { buffers -> Int32 in
            var vectors: [iovec] = []
            for index in buffers.indices {
                buffers[index].withUnsafeMutableBytes { raw in
                    vectors.append(iovec(iov_base: raw.baseAddress, iov_len: raw.count))
                }
            }
            return sd_journal_sendv(vectors, Int32(vectors.count))
        }
        return result >= 0 ? nil : -result
    }
}
