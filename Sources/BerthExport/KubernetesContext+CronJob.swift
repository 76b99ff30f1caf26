import BerthManifest
import BerthSchedule

extension KubernetesContext {
    /// A `schedule:` job as a CronJob around the Job a one-shot service exports to: the cron expression and its
    /// `timeZone`, the concurrency policy and `startingDeadlineSeconds`. An `every:` interval becomes cron when cron
    /// can say it (whole minutes dividing an hour, whole hours dividing a day); otherwise the export fails.
    mutating func cronJob(_ service: ServiceSpec, _ schedule: ScheduleSpec, job: YAMLNode) -> YAMLNode? {
        guard case .mapping(let jobObject) = job, let jobSpec = jobObject["spec"] else { return nil }
        var spec: [String: YAMLNode] = [
            "concurrencyPolicy": .string(Self.concurrencyPolicy(schedule.concurrency)),
            "jobTemplate": .mapping([
                "metadata": .mapping([
                    "labels": .mapping(
                        KubernetesNames.labels(
                            project: project,
                            service: service.name, component: "job"))
                ]),
                "spec": jobSpec,
            ]),
        ]
        switch schedule.trigger {
        case .cron(let expression, let zone):
            spec["schedule"] = .string(expression.fiveFields)
            spec["timeZone"] = .string(zone)
        case .every(let interval):
            guard let cron = Self.cron(every: interval) else {
                diagnostics.error(
                    "'every: \(DurationText.format(interval))' of service '\(service.name)' cannot be "
                        + "a Kubernetes CronJob (cron counts whole minutes dividing an hour or hours dividing a day); "
                        + "use a cron expression", at: service.location(of: "schedule.every"))
                return nil
            }
            spec["schedule"] = .string(cron)
        }
        if let deadline = schedule.startingDeadline {
            spec["startingDeadlineSeconds"] = .int(max(10, deadline.wholeSecondsRoundedUp))
        }
        return .mapping([
            "apiVersion": .string("batch/v1"),
            "kind": .string("CronJob"),
            "metadata": metadata(
                name: KubernetesNames.objectName(service.name),
                labels: KubernetesNames.labels(
                    project: project, service: service.name, component: "job")),
            "spec": .mapping(spec),
        ])
    }

    /// `*/5 * * * *` for 5m, `0 */2 * * *` for 2h, `0 0 * * *` for 24h; nil when cron cannot say it exactly.
    static func cron(every interval: Duration) -> String? {
        let (seconds, attoseconds) = interval.components
        guard attoseconds == 0, seconds % 60 == 0, seconds > 0 else { return nil }
        let minutes = seconds / 60
        if minutes < 60, 60 % minutes == 0 { return minutes == 1 ? "* * * * *" : "*/\(minutes) * * * *" }
        guard minutes % 60 == 0 else { return nil }
        let hours = minutes / 60
        if hours == 24 { return "0 0 * * *" }
        if hours < 24, 24 % hours == 0 { return hours == 1 ? "0 * * * *" : "0 */\(hours) * * *" }
        return nil
    }

    /// Kubernetes has the three policies; `max_concurrent` has no equivalent (the cluster bounds the Jobs).
    static func concurrencyPolicy(_ concurrency: ScheduleSpec.Concurrency) -> String {
        switch concurrency {
        case .forbid: "Forbid"
        case .allow: "Allow"
        case .replace: "Replace"
        }
    }
}
