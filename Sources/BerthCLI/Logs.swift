import ArgumentParser
import BerthControlProtocol
import BerthLogging
import Foundation

extension BerthCommand {
    /// `berth logs`: the project's replica output and daemon events, read straight from the log driver's store
    /// (the journal or the state directory's files), so it works with the daemon down and shows past runs.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the output of the replicas as 'service.N | line', from the journal or the log files."
        )

        @OptionGroup var options: LogsGlobalOptions

        @Argument(
            help: ArgumentHelp("Only these services, or replicas of them (web.2).", valueName: "service[.n]"),
            completion: ServiceCompletion.services)
        var targets: [String] = []

        @Flag(name: .shortAndLong, help: "Keep printing new lines as they come.")
        var follow = false

        @Option(
            name: [.customShort("n"), .long], parsing: .unconditional,
            help: "How many recent lines to print first (default 100; all with --since or --until).")
        var tail: Int?

        @Option(
            parsing: .unconditional,
            help: "Only lines from this time on: '2026-12-01 12:00:00', '12:00', 'today', 'yesterday', '-10m'.")
        var since: String?

        @Option(parsing: .unconditional, help: "Only lines up to this time (same forms as --since).")
        var until: String?

        @Option(name: [.customShort("p"), .long], help: "Only this priority and more urgent: 0-7 or emerg ... debug.")
        var priority: String?

        @Flag(help: "One JSON object per line: time, priority, service, replica, pid, message (and event).")
        var json = false

        @Flag(help: "The gateway's access log instead (access.log in the state directory); SERVICE[.N] filter it.")
        var access = false

        func validate() throws {
            for target in targets where target.hasSuffix(".yaml") || target.hasSuffix(".yml") {
                // `berth logs -f stack.yaml`, as other commands take -f (no service name has a dot).
                throw ValidationError(
                    "'\(target)' is not SERVICE or SERVICE.N: after 'logs', -f means --follow; "
                        + "name the manifest with --file \(target) or berth -f \(target) logs")
            }
            for target in targets where LogTarget(target) == nil {
                throw ValidationError("'\(target)' is not a service or replica: \(LogTarget.expected)")
            }
            if let tail, tail < 0 {
                throw ValidationError("--tail must be a non-negative number of lines, got \(tail)")
            }
            if access, priority != nil {
                throw ValidationError("--priority does not apply to --access: access-log lines have no priority")
            }
            if let priority, SyslogPriority.parse(priority) == nil {
                throw ValidationError(
                    "'\(priority)' is not a priority: use 0-7 or emerg, alert, crit, err, warning, "
                        + "notice, info, debug")
            }
            // An empty window matched nothing and exited 0, as if nothing had been logged then (audit5).
            if case (let since?, let until?) = try window(), since > until {
                throw ValidationError(
                    "--since (\(self.since ?? "")) is after --until (\(self.until ?? "")): no line can be in between")
            }
        }

        /// --since and --until as seconds since the epoch, in the local time zone.
        func window() throws -> (since: Double?, until: Double?) {
            let now = Date().timeIntervalSince1970
            let offset = TimeZone.current.secondsFromGMT()
            func parse(_ text: String?) throws -> Double? {
                guard let text else { return nil }
                do {
                    return try LogTime.parse(text, now: now, utcOffset: offset)
                } catch {
                    throw ValidationError(error.description)
                }
            }
            return (try parse(since), try parse(until))
        }

        func run() throws {
            let reading = try LogReading.resolve(options)
            let window = try window()
            if access {
                try printAccessLog(reading, window: window)
                return
            }
            let parsedTargets = targets.compactMap(LogTarget.init)
            let filter = LogFilter(
                project: reading.project,
                targets: parsedTargets.map { LogFilter.Target(service: $0.service, replica: $0.replica) },
                since: window.since, until: window.until, maxPriority: priority.flatMap(SyslogPriority.parse)
            )
            let limit = tail ?? (since == nil && until == nil ? 100 : nil)
            // Size the label column for the replicas asked for only.
            let labels = reading.labels.filter { label in
                parsedTargets.isEmpty
                    || parsedTargets.contains { target in
                        target.replica.map { label == "\(target.service).\($0)" }
                            ?? (label.hasPrefix("\(target.service).")
                                && Int(label.dropFirst(target.service.count + 1)) != nil)
                    }
            }
            // On a terminal, control characters are shown escaped; to a pipe, lines stay exact (`| grep`).
            let tty = !json && Terminal.stdoutIsTTY
            var printer = LogRecordPrinter(json: json, colour: tty, escape: tty, labels: labels)
            let source: any LogSource
            do {
                source = try reading.choice.makeSource(logDirectory: reading.paths.logDirectory)
                var records = try source.records(filter, limit: limit)
                if let unknown = LogTarget.unknownService(
                    parsedTargets, known: reading.services, logged: Set(records.map(\.service)))
                {
                    let known = (reading.services ?? []).sorted().joined(separator: ", ")
                    throw CLIFailure(
                        .usage,
                        "no service '\(unknown)' in the manifest or the running daemon, and no line of it in the "
                            + "logs (services: \(known))")
                }
                if reading.choice == .journald {
                    // What the daemon wrote to files while journald was unavailable (see JournalDriver).
                    let gap = try FileLogReader(directory: reading.paths.logDirectory).records(filter, limit: limit)
                    if !gap.isEmpty {
                        records = (records + gap).sorted { $0.time < $1.time }
                        if let limit, records.count > limit { records.removeFirst(records.count - limit) }
                    }
                }
                for record in records { Terminal.line(printer.format(record)) }
                if follow {
                    try source.follow(filter) { record in
                        Terminal.line(printer.format(record))
                        return true
                    }
                }
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw CLIFailure.failed("cannot read the logs (\(reading.choice.rawValue)): \(error)")
            }
        }
    }
}
