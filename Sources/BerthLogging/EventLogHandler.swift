import Glibc
public import Logging

/// A swift-log handler that sends the daemon's log messages to the log driver (through the writer's urgent lane)
/// as events: `BERTH_EVENT` from the `event` metadata (`log` when there is none), `BERTH_SERVICE`/`BERTH_REPLICA`
/// from `service`/`replica`. Only named events and messages of level notice or worse are sent. Used beside the
/// stderr handler (`MultiplexLogHandler`).
public struct EventLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let writer: LogWriter
    private let project: String

    public init(writer: LogWriter, project: String) {
        self.writer = writer
        self.project = project
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let more = event.metadata { all.merge(more) { _, new in new } }
        // Named events, and messages of notice or worse; not the gateway's access log or other chatter at info,
        // which stays on stderr (the urgent lane must stay small).
        guard all["event"] != nil || event.level >= .notice else { return }
        let service = all["service"].map { "\($0)" } ?? ""
        let replica = all["replica"].flatMap { Int("\($0)") } ?? -1
        let pid = all["pid"].flatMap { Int32("\($0)") } ?? 0
        var message = event.message.description
        let extra = all.filter { !["event", "service", "replica", "pid", "project"].contains($0.key) }
        if !extra.isEmpty {
            message += " " + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        writer.writeEvent(
            LogRecord(
                time: Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9, priority: Self.priority(event.level),
                project: project, service: service, replica: replica, pid: pid, message: message,
                event: all["event"].map { "\($0)" } ?? "log"
            )
        )
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
