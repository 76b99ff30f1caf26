import BerthSystem
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
        throw LogDriverError("cannot send to journald: \(Errno.message(error))")
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

    /// Berth's fields of a record, in the order they are sent (one list for both ways of sending).
    private static func forEachField(of record: LogRecord, _ body: (StaticString, String) -> Void) {
        body("MESSAGE", record.message)
        body("PRIORITY", String(record.priority))
        if let event = record.event {
            body("SYSLOG_IDENTIFIER", "berthd")
            body("SYSLOG_PID", String(getpid()))
            body("BERTH_EVENT", event)
        } else {
            body("SYSLOG_IDENTIFIER", record.service)
            body("SYSLOG_PID", String(record.pid))
        }
        body("BERTH_PROJECT", record.project)
        if !record.service.isEmpty { body("BERTH_SERVICE", record.service) }
        if record.replica >= 0 { body("BERTH_REPLICA", String(record.replica)) }
        if record.pid > 0 { body("BERTH_PID", String(record.pid)) }
    }

    private func encode(_ record: LogRecord) {
        entry.removeAll(keepingCapacity: true)
        Self.forEachField(of: record) { name, value in JournalConnection.append(name, value, to: &entry) }
    }

    /// The same fields through `sd_journal_sendv`, which passes an entry too large for a datagram in a memfd.
    private func sendInMemfd(_ record: LogRecord) -> Int32? {
        var fields: [String] = []
        Self.forEachField(of: record) { name, value in fields.append("\(name)=\(value)") }
        var storage = fields.map { Array($0.utf8) }
        let result = storage.withUnsafeMutableBufferPointer { buffers -> Int32 in
            var vectors: [iovec] = []
            for index in buffers.indices {
                buffers[index].withUnsafeMutableBytes { raw in
                    vectors.append(iovec(iov_base: raw.baseAddress, iov_len: raw.count))
                }
            }
            return berth_sd_journal_sendv(vectors, Int32(vectors.count))
        }
        return result >= 0 ? nil : -result
    }
}
