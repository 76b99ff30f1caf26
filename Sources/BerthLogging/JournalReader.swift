import BerthSystem
import CSystemd
import Glibc

/// Reads Berth's entries from the local journal with the `sd_journal_*` API (no `journalctl`): matches on
/// `BERTH_PROJECT` and the requested services and replicas, seeks by time, waits for new entries when following.
public final class JournalReader: LogSource {
    private var journal: OpaquePointer?
    /// The cursor of the last entry `records` returned, where `follow` continues.
    private var lastCursor: String?
    /// How long `follow` waits for a journal change before it looks again anyway.
    static let followPollMicroseconds: UInt64 = 500_000

    public init() throws(LogDriverError) {
        // libsystemd is loaded on first use (CSystemd.h): say why it cannot be rather than "not implemented".
        if let why = berth_systemd_load_error() { throw LogDriverError("reading the journal: \(String(cString: why))") }
        var handle: OpaquePointer?
        let result = berth_sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard result >= 0, let handle else { throw Self.failure("sd_journal_open", result) }
        journal = handle
        // Whole fields, however long (the default cuts them at 64 KiB).
        berth_sd_journal_set_data_threshold(handle, 0)
    }

    deinit {
        berth_sd_journal_close(journal)
    }

    private static func failure(_ call: String, _ result: Int32) -> LogDriverError {
        LogDriverError("\(call): \(Errno.message(-result))")
    }

    /// (project AND service AND replica) OR ... for every target: terms of one field are ORed by journald, so
    /// each target is its own conjunction.
    private func applyMatches(_ filter: LogFilter) throws(LogDriverError) {
        berth_sd_journal_flush_matches(journal)
        let terms: [[String]] =
            filter.targets.isEmpty
            ? [["BERTH_PROJECT=\(filter.project)"]]
            : filter.targets.map { target in
                ["BERTH_PROJECT=\(filter.project)", "BERTH_SERVICE=\(target.service)"]
                    + (target.replica.map { ["BERTH_REPLICA=\($0)"] } ?? [])
            }
        for (index, term) in terms.enumerated() {
            for match in term {
                let result = match.withCString { berth_sd_journal_add_match(journal, $0, 0) }
                guard result >= 0 else { throw Self.failure("sd_journal_add_match", result) }
            }
            if index < terms.count - 1 { berth_sd_journal_add_disjunction(journal) }
        }
    }

    public func records(_ filter: LogFilter, limit: Int?) throws(LogDriverError) -> [LogRecord] {
        try applyMatches(filter)
        var found: [LogRecord] = []
        if filter.since == nil, let limit {
            // Newest first from the end, then reversed.
            berth_sd_journal_seek_tail(journal)
            while found.count < limit, berth_sd_journal_previous(journal) > 0 {
                guard let record = current(filter.project) else { continue }
                if filter.matches(record) { found.append(record) }
            }
            if found.isEmpty {
                lastCursor = nil
                berth_sd_journal_seek_tail(journal)
                if berth_sd_journal_previous(journal) > 0 { lastCursor = cursor() }
            } else {
                berth_sd_journal_seek_tail(journal)
                _ = berth_sd_journal_previous(journal)
                lastCursor = cursor()
            }
            return found.reversed()
        }
        if let since = filter.since {
            berth_sd_journal_seek_realtime_usec(journal, UInt64(max(0, since) * 1_000_000))
        } else {
            berth_sd_journal_seek_head(journal)
        }
        lastCursor = nil
        while berth_sd_journal_next(journal) > 0 {
            lastCursor = cursor()
            guard let record = current(filter.project) else { continue }
            if let until = filter.until, record.time > until { break }
            if filter.matches(record) { found.append(record) }
            if let limit, found.count > limit * 2 { found.removeFirst(found.count - limit) }
        }
        if let limit, found.count > limit { found.removeFirst(found.count - limit) }
        return found
    }

    public func follow(_ filter: LogFilter, onRecord: (LogRecord) -> Bool) throws(LogDriverError) {
        try applyMatches(filter)
        if let lastCursor {
            _ = lastCursor.withCString { berth_sd_journal_seek_cursor(journal, $0) }
            // Lands on the entry already shown; skip it.
            if berth_sd_journal_next(journal) > 0,
                lastCursor.withCString({ berth_sd_journal_test_cursor(journal, $0) }) <= 0
            {
                _ = berth_sd_journal_previous(journal)
            }
        } else {
            berth_sd_journal_seek_tail(journal)
            _ = berth_sd_journal_previous(journal)
        }
        while true {
            let step = berth_sd_journal_next(journal)
            if step < 0 { throw Self.failure("sd_journal_next", step) }
            if step == 0 {
                // Bounded: a wake-up lost between the last `sd_journal_next` and the inotify watch (or a file
                // added by rotation that the watch missed) costs at most this long, never a stuck follower.
                let waited = berth_sd_journal_wait(journal, Self.followPollMicroseconds)
                if waited < 0 { throw Self.failure("sd_journal_wait", waited) }
                continue
            }
            guard let record = current(filter.project) else { continue }
            if let until = filter.until, record.time > until { return }
            if filter.matches(record), !onRecord(record) { return }
        }
    }

    private func cursor() -> String? {
        var raw: UnsafeMutablePointer<CChar>?
        guard berth_sd_journal_get_cursor(journal, &raw) >= 0, let raw else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    private func field(_ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = name.withCString { berth_sd_journal_get_data(journal, $0, &data, &length) }
        guard result >= 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let prefix = name.utf8.count + 1
        guard length >= prefix else { return nil }
        return String(decoding: bytes[prefix...], as: UTF8.self)
    }

    /// The entry under the read pointer; nil when it is not one of the project's.
    private func current(_ project: String) -> LogRecord? {
        guard field("BERTH_PROJECT") == project else { return nil }
        var usec: UInt64 = 0
        berth_sd_journal_get_realtime_usec(journal, &usec)
        return LogRecord(
            time: Double(usec) / 1_000_000,
            priority: field("PRIORITY").flatMap { Int($0) } ?? LogRecord.stdoutPriority,
            project: project,
            service: field("BERTH_SERVICE") ?? "",
            replica: field("BERTH_REPLICA").flatMap { Int($0) } ?? -1,
            pid: field("BERTH_PID").flatMap { Int32($0) } ?? 0,
            message: field("MESSAGE") ?? "",
            event: field("BERTH_EVENT")
        )
    }
}
