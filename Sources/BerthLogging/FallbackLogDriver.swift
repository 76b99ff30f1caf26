import Glibc

/// journald with the file driver behind it, so that journald going away never loses a line silently: a line
/// journald refuses goes to the replica's file under the state directory instead, a `log_fallback` event (in the
/// files) marks the start of the gap, and a `log_recovered` event (in the journal, once it takes lines again) says
/// how long it lasted and how many lines the files hold. The lines sent to journald in the second before the failure
/// are written to the files too (journald may have stopped before reading them): near a gap a line may be stored
/// twice, never lost. The decisions are `LogFallback`'s.
public final class FallbackLogDriver: LogDriver {
    public var name: String { primary.name }
    private let primary: any LogDriver
    private let directory: String
    private let makeFallback: (String) throws(LogDriverError) -> any LogDriver
    private var fallback: (any LogDriver)?
    private var state: LogFallback
    private var recent: RecentRecords
    private let now: () -> ContinuousClock.Instant

    /// `makeFallback` creates the fallback driver for `directory` the first time it is needed.
    public init(
        primary: any LogDriver, directory: String, retryInterval: Duration = .seconds(1),
        replayWindow: Duration = .seconds(1),
        now: @escaping () -> ContinuousClock.Instant = { .now },
        makeFallback: @escaping (String) throws(LogDriverError) -> any LogDriver = FallbackLogDriver.fileDriver
    ) {
        self.primary = primary
        self.directory = directory
        self.makeFallback = makeFallback
        self.state = LogFallback(retryInterval: retryInterval)
        self.recent = RecentRecords(window: replayWindow)
        self.now = now
    }

    /// Where the writer stands (for tests and status).
    public var mode: LogFallback.Mode { state.mode }

    public func write(_ record: LogRecord) throws(LogDriverError) {
        let at = now()
        switch state.route(now: at) {
        case .primary:
            do {
                try primary.write(record)
                if record.event == nil { recent.append(record, at: at) }
                return
            } catch {
                if state.primaryFailed(now: at) {
                    let replay = recent.drain(now: at)
                    let files = try fallbackDriver()
                    try files.write(
                        event(
                            "log_fallback", about: record, priority: 4,
                            "\(primary.name) refused a line (\(error)): lines go to the files in \(directory) until "
                                + "it takes them again; the \(replay.count) lines sent to it in the second before are "
                                + "repeated there (it may not have read them)"))
                    for earlier in replay { try files.write(earlier) }
                }
            }
        case .tryPrimary(let since, let lines):
            let gap = at - since
            let tenths = gap.components.seconds * 10 + gap.components.attoseconds / 100_000_000_000_000_000
            let recovered = event(
                "log_recovered", about: record, priority: 4,
                "\(primary.name) takes lines again after \(tenths / 10).\(tenths % 10) s; the \(lines) lines "
                    + "of the gap are in the files in \(directory)")
            do {
                try primary.write(recovered)
                state.primaryRecovered()
                try primary.write(record)
                if record.event == nil { recent.append(record, at: at) }
                return
            } catch {
                _ = state.primaryFailed(now: at)
            }
        case .fallback:
            break
        }
        try fallbackDriver().write(record)
        state.wroteToFallback()
    }

    public static func fileDriver(directory: String) throws(LogDriverError) -> any LogDriver {
        try FileLogDriver(directory: directory)
    }

    private func fallbackDriver() throws(LogDriverError) -> any LogDriver {
        if let fallback { return fallback }
        let made = try makeFallback(directory)
        fallback = made
        return made
    }

    private func event(_ name: String, about record: LogRecord, priority: Int, _ message: String) -> LogRecord {
        LogRecord(
            time: record.time, priority: priority, project: record.project, service: "", replica: -1, pid: 0,
            message: message, event: name)
    }
}
