import BerthControlProtocol
import BerthLogging
import Foundation

/// Prints `berth logs` records: as `service.N | line` through `LogLineFormatter` (daemon events marked
/// `[berth]`; control characters escaped when `escape`, i.e. on a TTY), or as JSON lines (always exact).
struct LogRecordPrinter {
    var json: Bool
    private var formatter: LogLineFormatter

    init(json: Bool, colour: Bool, escape: Bool, labels: [String]) {
        self.json = json
        self.formatter = LogLineFormatter(colour: colour, escape: escape, labels: labels)
    }

    mutating func format(_ record: LogRecord) -> String {
        if json { return String(decoding: FileLogLine.encode(record).dropLast(), as: UTF8.self) }
        let stream: LogEntry.Stream =
            record.event != nil ? .daemon : record.priority <= LogRecord.stderrPriority ? .stderr : .stdout
        // The daemon's events name their replica in the message (for its stderr); the label already does here.
        var message = record.message
        let named = "\(record.service).\(record.replica): "
        if record.event != nil, message.hasPrefix(named) { message.removeFirst(named.count) }
        let entry = LogEntry(
            service: record.service, replica: max(record.replica, 0), stream: stream, time: record.time,
            line: message
        )
        if record.event != nil, record.replica < 0, !record.service.isEmpty {
            // An event about a whole service: labelled with the service alone.
            return formatter.format(
                LogEntry(
                    service: "", replica: 0, stream: .daemon, time: record.time,
                    line: "\(record.service): \(record.message)"))
        }
        return formatter.format(entry)
    }
}
