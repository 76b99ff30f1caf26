import BerthLogging

extension BerthCommand.Logs {
    /// `berth logs --access`: the gateway's access log, as the daemon wrote it (or one JSON object per line), read
    /// from the state directory like the log files are, so it also works with the daemon down.
    func printAccessLog(_ reading: LogReading, window: (since: Double?, until: Double?)) throws {
        let query = AccessLogQuery(
            targets: targets.compactMap(LogTarget.init).map {
                LogFilter.Target(service: $0.service, replica: $0.replica)
            },
            since: window.since, until: window.until)
        let reader = AccessLogReader(path: reading.paths.stateDirectory + "/access.log")
        if !reader.exists && !follow {
            throw CLIFailure.failed(
                "no access log at \(reader.path): the gateway writes one with `access_log: true` (the default) once it "
                    + "has served a request")
        }
        // Paths come from clients: on a terminal, control characters are shown escaped (the gateway refuses them,
        // but a file edited by hand could hold any).
        let tty = !json && Terminal.stdoutIsTTY
        func show(_ entry: AccessLogEntry) {
            Terminal.line(json ? entry.json : tty ? TerminalText.visible(entry.line) : entry.line)
        }
        let limit = tail ?? (since == nil && until == nil ? 100 : nil)
        for entry in reader.entries(query, limit: limit) { show(entry) }
        if follow {
            reader.follow(query) { entry in
                show(entry)
                return true
            }
        }
    }
}
