public import BerthManifest
import BerthSchedule
import Foundation
import Yams

extension ManifestBuilder {
    /// `schedule: "0 3 * * *"` (cron, UTC) or `schedule: { cron | every, time_zone, concurrency, max_concurrent,
    /// starting_deadline }`.
    func scheduleSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> ScheduleSpec? {
        if case .scalar(let scalar) = node {
            guard let cron = cron(scalar) else { return nil }
            return ScheduleSpec(trigger: .cron(cron, timeZone: "UTC"))
        }
        guard
            let reader = MappingReader(
                node, key: "schedule", section: ManifestSchema.schedule,
                owner: "'schedule' of service '\(service)'", context: context)
        else { return nil }
        keyLocations.merge(reader.keyLocations(prefix: "schedule")) { _, new in new }
        var trigger: ScheduleSpec.Trigger?
        switch (reader["cron"], reader["every"]) {
        case (let node?, nil):
            guard case .scalar(let scalar) = node else {
                context.error("'cron' must be a cron expression such as \"0 3 * * *\", got \(node.summary)", at: node)
                return nil
            }
            let zone = reader.string("time_zone") ?? "UTC"
            if SystemZones.named(zone) == nil {
                context.error(
                    "unknown time zone '\(zone)'; use an IANA name such as UTC or Europe/Berlin "
                        + "(see /usr/share/zoneinfo)", at: reader["time_zone"])
            }
            trigger = cron(scalar).map { .cron($0, timeZone: zone) }
        case (nil, _?):
            if let interval = reader.duration("every", positive: true) {
                if interval < .seconds(1) {
                    context.error(
                        "'every' must be at least 1s, got \(DurationText.format(interval))",
                        at: reader["every"])
                }
                trigger = .every(interval)
            }
            if reader["time_zone"] != nil {
                context.error(
                    "'time_zone' applies to 'cron' only; an 'every' interval does not depend on it",
                    at: reader.keyNode("time_zone"))
            }
        case (_?, _?):
            context.error("'schedule' takes either 'cron' or 'every', not both", at: reader.keyNode("every"))
        case (nil, nil):
            context.error(
                "'schedule' of service '\(service)' needs 'cron' (e.g. \"0 3 * * *\") or 'every' "
                    + "(e.g. 30s)", at: node)
        }
        var concurrency = ScheduleSpec.Concurrency.forbid
        if let text = reader.string("concurrency") {
            if let value = ScheduleSpec.Concurrency(rawValue: text) {
                concurrency = value
            } else {
                let hint = context.hint(for: text, among: ScheduleSpec.Concurrency.allCases.map(\.rawValue))
                context.error(
                    "unknown concurrency '\(text)'; expected forbid, allow or replace\(hint)",
                    at: reader["concurrency"])
            }
        }
        let maxConcurrent = self.maxConcurrent(reader, concurrency: concurrency)
        let deadline = reader.duration("starting_deadline", positive: true)
        guard let trigger else { return nil }
        return ScheduleSpec(
            trigger: trigger, concurrency: concurrency, startingDeadline: deadline, maxConcurrent: maxConcurrent)
    }

    /// `max_concurrent: N` (1 to 100), meaningful with `concurrency: allow` only.
    private func maxConcurrent(_ reader: MappingReader, concurrency: ScheduleSpec.Concurrency) -> Int {
        guard reader["max_concurrent"] != nil else { return ScheduleSpec.defaultMaxConcurrent }
        guard concurrency == .allow else {
            context.error(
                "'max_concurrent' applies to 'concurrency: allow' only; with \(concurrency.rawValue) one run is in "
                    + "progress at a time", at: reader.keyNode("max_concurrent"))
            return ScheduleSpec.defaultMaxConcurrent
        }
        guard let value = reader.int("max_concurrent", minimum: 1) else { return ScheduleSpec.defaultMaxConcurrent }
        guard value <= ScheduleSpec.maximumMaxConcurrent else {
            context.error(
                "'max_concurrent' must be at most \(ScheduleSpec.maximumMaxConcurrent), got \(value)",
                at: reader["max_concurrent"])
            return ScheduleSpec.defaultMaxConcurrent
        }
        return value
    }

    private func cron(_ scalar: Node.Scalar) -> CronExpression? {
        do {
            return try CronExpression.parse(scalar.string)
        } catch {
            context.error("'schedule': \(error.message)", at: context.location(inside: scalar, offset: error.offset))
            return nil
        }
    }

    /// A scheduled service is a one-shot job: `restart.policy` defaults to `never` for it, and `always` (a process
    /// that never completes) is refused.
    func applySchedule(_ schedule: ScheduleSpec?, to spec: inout ServiceSpec, node: Node?) {
        guard let schedule else { return }
        spec.schedule = schedule
        // Each overlapping run takes replicas of its own at the indexes after the serving ones (audit5: 600 replicas
        // and max_concurrent: 2 started job.600-1199, which no command could name): all runs together stay within
        // the indexes a command can name, as `replicas` does.
        let limit = ManifestSchema.Defaults.maximumReplicas
        if schedule.concurrency == .allow, spec.replicas * schedule.maxConcurrent > limit {
            context.error(
                "'replicas' (\(spec.replicas)) times 'max_concurrent' (\(schedule.maxConcurrent)) must be <= \(limit): "
                    + "each run of '\(spec.name)' takes replicas of its own",
                at: spec.keyLocations["schedule.max_concurrent"] ?? spec.keyLocations["schedule.concurrency"])
        }
        guard let policyLocation = spec.keyLocations["restart.policy"] else {
            spec.restart.policy = .never
            return
        }
        if spec.restart.policy == .always {
            context.error(
                "service '\(spec.name)' has a 'schedule' and restart policy 'always'; a scheduled job must "
                    + "end: use on-failure or never (the default for scheduled services)", at: policyLocation)
        }
    }
}
