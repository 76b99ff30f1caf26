/// One line of a replica's output, or one event of the daemon, as the log drivers store it and `berth logs` reads it.
public struct LogRecord: Sendable, Equatable {
    /// Seconds since the Unix epoch.
    public var time: Double
    /// syslog priority, 0 (emerg) to 7 (debug).
    public var priority: Int
    public var project: String
    /// Empty for a daemon event that is about no service.
    public var service: String
    /// -1 for a daemon event that is about no replica.
    public var replica: Int
    /// The replica's pid (0 when unknown, e.g. a daemon event about a replica that is not running).
    public var pid: Int32
    public var message: String
    /// The daemon event's stable name (`BERTH_EVENT`), nil for a replica's output.
    public var event: String?

    public init(
        time: Double, priority: Int, project: String, service: String, replica: Int, pid: Int32, message: String,
        event: String? = nil
    ) {
        self.time = time
        self.priority = priority
        self.project = project
        self.service = service
        self.replica = replica
        self.pid = pid
        self.message = message
        self.event = event
    }

    /// stdout lines carry this priority unless they start with a `<N>` prefix.
    public static let stdoutPriority = 6
    /// stderr lines carry this priority unless they start with a `<N>` prefix.
    public static let stderrPriority = 3
}
