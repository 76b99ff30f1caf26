import BerthManifest
import BerthManifestYAML
import BerthSchedule
import Testing

/// `schedule:` on a one-shot service: cron (short and long form, time zone), `every`, concurrency, deadline, and
/// positioned errors for each way it can be wrong.
@Suite struct ScheduleKeyTests {
    func service(_ body: String) throws -> ServiceSpec {
        let yaml = "services:\n  job:\n    command: a\n    schedule: \(body)\n"
        return try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:]).services["job"]!
    }

    @Test func shortFormIsCronInUTCAndTheRestartPolicyDefaultsToNever() throws {
        let spec = try service("\"*/5 * * * *\"")
        #expect(spec.schedule == ScheduleSpec(trigger: .cron(try CronExpression.parse("*/5 * * * *"), timeZone: "UTC")))
        #expect(spec.restart.policy == .never)
    }

    @Test func longForm() throws {
        let spec = try service(
            "{ cron: \"0 3 * * mon\", time_zone: Europe/Berlin, concurrency: replace, starting_deadline: 10m }")
        #expect(
            spec.schedule
                == ScheduleSpec(
                    trigger: .cron(try CronExpression.parse("0 3 * * mon"), timeZone: "Europe/Berlin"),
                    concurrency: .replace, startingDeadline: .seconds(600)))
    }

    @Test func every() throws {
        #expect(try service("{ every: 30s }").schedule == ScheduleSpec(trigger: .every(.seconds(30))))
    }

    @Test func unscheduledServicesKeepAlways() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a }\n", file: manifestFile,
            environment: [:])
        #expect(manifest.services["web"]!.schedule == nil)
        #expect(manifest.services["web"]!.restart.policy == .always)
    }

    @Test func badCronFieldIsPositionedInsideTheString() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: \"0 24 * * *\"\n",
            "'schedule': hour 24 is out of range 0-23", line: 4, column: 18)
    }

    @Test func unknownTimeZone() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { cron: \"@daily\", time_zone: Mars/Olympus }\n",
            "unknown time zone 'Mars/Olympus'; use an IANA name such as UTC or Europe/Berlin (see /usr/share/zoneinfo)",
            line: 4, column: 44)
    }

    @Test func cronAndEveryTogether() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { cron: \"@daily\", every: 1m }\n",
            "'schedule' takes either 'cron' or 'every', not both", line: 4, column: 33)
    }

    @Test func neither() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { concurrency: forbid }\n",
            "'schedule' of service 'job' needs 'cron' (e.g. \"0 3 * * *\") or 'every' (e.g. 30s)", line: 4, column: 15)
    }

    @Test func allowWithItsLimit() throws {
        #expect(try service("{ every: 1m, concurrency: allow }").schedule?.maxConcurrent == 3)
        let spec = try service("{ every: 1m, concurrency: allow, max_concurrent: 5 }")
        #expect(
            spec.schedule
                == ScheduleSpec(trigger: .every(.seconds(60)), concurrency: .allow, maxConcurrent: 5))
    }

    @Test func maxConcurrentWithoutAllow() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { every: 1m, max_concurrent: 2 }\n",
            "'max_concurrent' applies to 'concurrency: allow' only; with forbid one run is in progress at a time",
            line: 4, column: 28)
    }

    @Test func maxConcurrentOutOfRange() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { every: 1m, concurrency: allow, max_concurrent: 101 }\n",
            "'max_concurrent' must be at most 100, got 101", line: 4, column: 64)
    }

    @Test func unknownConcurrency() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { every: 1m, concurrency: alow }\n",
            "unknown concurrency 'alow'; expected forbid, allow or replace; did you mean 'allow'?",
            line: 4, column: 41)
    }

    @Test func subSecondInterval() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { every: 500ms }\n",
            "'every' must be at least 1s, got 500ms", line: 4, column: 24)
    }

    @Test func restartAlwaysIsRefused() {
        expectError(
            "services:\n  job:\n    command: a\n    restart: { policy: always }\n    schedule: \"@daily\"\n",
            "service 'job' has a 'schedule' and restart policy 'always'; a scheduled job must end: use on-failure or "
                + "never (the default for scheduled services)", line: 4, column: 16)
    }

    @Test func unknownKeyHasAHint() {
        expectError(
            "services:\n  job:\n    command: a\n    schedule: { every: 1m, timezone: UTC }\n",
            "unknown key 'timezone' in 'schedule' of service 'job'; did you mean 'time_zone'?", line: 4, column: 28)
    }
}
