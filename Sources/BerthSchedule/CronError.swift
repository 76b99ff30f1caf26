/// Why a cron expression was refused; `offset` is the character where the problem starts (for `file:line:col`).
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}
