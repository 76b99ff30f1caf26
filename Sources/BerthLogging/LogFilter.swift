/// What `berth logs` asks for: some services or replicas of one project, a time window, a maximum priority.
public struct LogFilter: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var service: String
        public var replica: Int?

        public init(service: String, replica: Int? = nil) {
            self.service = service
            self.replica = replica
        }
    }

    public var project: String
    /// Empty: every service (and the daemon's events about none).
    public var targets: [Target]
    /// Seconds since the epoch, inclusive.
    public var since: Double?
    /// Seconds since the epoch, inclusive.
    public var until: Double?
    /// Only records of this priority or more urgent (lower numbers).
    public var maxPriority: Int?

    public init(
        project: String, targets: [Target] = [], since: Double? = nil, until: Double? = nil, maxPriority: Int? = nil
    ) {
        self.project = project
        self.targets = targets
        self.since = since
        self.until = until
        self.maxPriority = maxPriority
    }

    /// The daemon's general messages (`BERTH_EVENT=log`) of priority notice or less are left out unless asked for:
    /// `berth logs` shows replica output and named events.
    public var includeDaemonMessages = false

    public func matches(_ record: LogRecord) -> Bool {
        if !includeDaemonMessages, record.event == "log", record.priority > 4 { return false }
        if let since, record.time < since { return false }
        if let until, record.time > until { return false }
        if let maxPriority, record.priority > maxPriority { return false }
        guard !targets.isEmpty else { return true }
        return targets.contains { target in
            target.service == record.service && (target.replica == nil || target.replica == record.replica)
        }
    }
}

/// Where `berth logs` reads records from: the journal or the file driver's files.
public protocol LogSource {
    /// The matching records, oldest first; with `limit`, only the newest `limit` of them.
    func records(_ filter: LogFilter, limit: Int?) throws(LogDriverError) -> [LogRecord]
    /// Calls `onRecord` with every matching record stored after `records` last returned (or from now on), until it
    /// returns false. Blocks.
    func follow(_ filter: LogFilter, onRecord: (LogRecord) -> Bool) throws(LogDriverError)
}
