import CSystemd
import Glibc

/// Sends each record to journald (one entry per line, Berth's fields alongside) over a socket of its own, and while
/// journald is gone writes to the file driver instead, so that no line is lost and the gap is on record.
///
/// A blocking send while journald is behind is what slows a chatty replica down (the backpressure). When a send
/// fails because journald went away (stopped, restarted, its socket removed), the driver reconnects once; if that
/// fails it starts an *outage*: records go to `FileLogDriver` files under `fallbackDirectory` (an event there says
/// why), it tries the journal again at most once a second, and once journald is back it notes in the journal how
/// long the outage lasted and how many lines are in the files. `berth logs` merges those files in.
public final class JournalDriver: LogDriver {
    public let name = "journald"
    private let connection: JournalConnection
    private let fallbackDirectory: String?
    private var fallback: FileLogDriver?
    private var outage: Outage?
    private var entry: [UInt8] = []

    private struct Outage {
        var since: Double
        var reason: String
        var lines = 0
        var lastTry: UInt64
    }

    /// How long an outage waits between tries of the journal.
    private let retryNanoseconds: UInt64

    /// `fallbackDirectory` nil: no fallback, a send that fails is an error (reported by the `LogWriter`).
    public init(
        socketPath: String = JournalSocket.path, fallbackDirectory: String? = nil, retryInterval: Duration = .seconds(1)
    ) {
        self.connection = JournalConnection(path: socketPath)
        self.fallbackDirectory = fallbackDirectory
        self.retryNanoseconds = UInt64(retryInterval.components.seconds) * 1_000_000_000
            + UInt64(retryInterval.components.attoseconds / 1_000_000_000)
        _ = connection.connect()
    }

    /// Whether records go to the fallback files now (journald is gone).
    public var inOutage: Bool { outage != nil }

    public func write(_ record: LogRecord) throws(LogDriverError) {
        if outage != nil { try retryJournal(project: record.project) }
        if var current = outage {
            try fallbackDriver().write(record)
            current.lines += 1
            outage = current
            return
        }
        guard let error = sendToJournal(record) else { return }
        guard Self.meansJournalGone(error), fallbackDirectory != nil else {
            throw LogDriverError("cannot send to journald: \(String(cString: strerror(error)))")
        }
        try beginOutage(reason: String(cString: strerror(error)), project: record.project)
        try write(record)
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

    private func fallbackDriver() throws(LogDriverError) -> FileLogDriver {
        if let fallback { return fallback }
        let driver = try FileLogDriver(directory: fallbackDirectory!)
        fallback = driver
        return driver
    }

    private func beginOutage(reason: String, project: String) throws(LogDriverError) {
        outage = Outage(since: Self.now(), reason: reason, lastTry: Self.monotonic())
        let message = "journald is unavailable (\(reason)): lines go to \(fallbackDirectory!) until it is back"
        try fallbackDriver().write(Self.event("journal_unavailable", message, project: project, priority: 4))
        Self.tellStderr(message)
    }

    /// Tries the journal again once the retry interval has passed; ends the outage when it answers.
    private func retryJournal(project: String) throws(LogDriverError) {
        guard let current = outage else { return }
        let now = Self.monotonic()
        guard now &- current.lastTry >= retryNanoseconds else { return }
        outage!.lastTry = now
        guard connection.connect() == nil else { return }
        let seconds = Self.now() - current.since
        let message = "journald is back after \(Self.format(seconds)) s; the \(current.lines) lines logged meanwhile "
            + "are in \(fallbackDirectory!) (berth logs shows them)"
        if sendToJournal(Self.event("journal_back", message, project: project, priority: 5)) == nil {
            outage = nil
            Self.tellStderr(message)
        }
    }

    private static func event(_ name: String, _ message: String, project: String, priority: Int) -> LogRecord {
        LogRecord(
            time: now(), priority: priority, project: project, service: "", replica: -1, pid: getpid(),
            message: message, event: name)
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

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func monotonic() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    private static func format(_ seconds: Double) -> String {
        String(Double(Int(seconds * 10)) / 10)
    }

    private static func tellStderr(_ message: String) {
        let line = Array("berthd: \(message)\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
