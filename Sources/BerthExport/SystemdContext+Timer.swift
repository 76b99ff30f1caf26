import BerthManifest
import BerthSchedule

extension SystemdContext {
    func timerTemplateName(_ service: String) -> String {
        "\(manifest.project)-\(service)@.timer"
    }

    func timerInstanceName(_ service: String, _ index: Int) -> String {
        "\(manifest.project)-\(service)@\(index).timer"
    }

    /// The timer of a `schedule:` job (a template, like its service: `job@0.timer` starts `job@0.service`). A cron
    /// expression becomes `OnCalendar=` lines in its time zone (two when both day fields are restricted: cron runs
    /// on either, systemd's calendar would need both); `every:` becomes `OnActiveSec=` + `OnUnitActiveSec=`.
    /// systemd never starts a unit that is still running, which is `concurrency: forbid`.
    mutating func timerUnit(_ service: ServiceSpec) -> String? {
        guard let schedule = service.schedule else { return nil }
        var timer: [String] = []
        switch schedule.trigger {
        case .cron(let expression, let zone):
            timer += Self.calendars(expression).map { "OnCalendar=\($0) \(zone)" }
            // Missed while the machine was off: systemd catches up once at boot (it has no deadline).
            if schedule.startingDeadline != nil { timer.append("Persistent=true") }
        case .every(let interval):
            timer += ["OnActiveSec=\(UnitText.timeSpan(interval))", "OnUnitActiveSec=\(UnitText.timeSpan(interval))"]
            if schedule.startingDeadline != nil {
                diagnostics.warning(
                    "systemd catches up missed runs of calendar timers only: 'starting_deadline' of "
                        + "service '\(service.name)' has no effect with 'every'",
                    at: service.location(of: "schedule.starting_deadline"))
            }
        }
        if schedule.concurrency != .forbid {
            diagnostics.warning(
                "a systemd timer does not start a job that still runs: "
                    + "'concurrency: \(schedule.concurrency.rawValue)' of service '\(service.name)' is exported as "
                    + "forbid",
                at: service.location(of: "schedule.concurrency"))
        }
        let lines =
            [
                "[Unit]",
                "Description=\(UnitText.escapeSpecifiers("\(manifest.project): \(service.name)")) schedule (replica %i)",
                "",
                "[Timer]",
            ] + timer + ["AccuracySec=1s", "", "[Install]", "WantedBy=timers.target"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `OnCalendar=` values for a cron expression: `Mon,Tue *-1,7-1..31 9,17:0,30:00`.
    static func calendars(_ cron: CronExpression) -> [String] {
        let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        func list(_ values: Set<Int>, all: ClosedRange<Int>) -> String {
            values == Set(all) ? "*" : values.sorted().map(String.init).joined(separator: ",")
        }
        let months = list(cron.months, all: 1...12)
        let time = list(cron.hours, all: 0...23) + ":" + list(cron.minutes, all: 0...59) + ":00"
        let days = list(cron.daysOfMonth, all: 1...31)
        let weekdays = cron.daysOfWeek.sorted().map { weekdayNames[$0] }.joined(separator: ",")
        switch (cron.anyDayOfMonth, cron.anyDayOfWeek) {
        case (true, true): return ["*-\(months)-* \(time)"]
        case (true, false): return ["\(weekdays) *-\(months)-* \(time)"]
        case (false, true): return ["*-\(months)-\(days) \(time)"]
        case (false, false): return ["*-\(months)-\(days) \(time)", "\(weekdays) *-\(months)-* \(time)"]
        }
    }
}
