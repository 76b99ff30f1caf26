/// Where log records end up: the systemd journal or per-replica files. Called on the log writer's thread only.
public protocol LogDriver: AnyObject {
    /// The driver's name, as shown in the daemon's startup line and `berth status --json` (`journald`, `file`).
    var name: String { get }
    /// Stores one record; blocks while the destination cannot take more (that is the backpressure).
    func write(_ record: LogRecord) throws(LogDriverError)
}

/// Why a record could not be stored.
public struct LogDriverError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
