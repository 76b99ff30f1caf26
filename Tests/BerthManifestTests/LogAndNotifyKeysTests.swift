import BerthManifest
import BerthManifestYAML
import Testing

/// `log: { driver }`, `ready: { notify: true }`, `health: { watchdog }` and the `notify:` alias.
@Suite struct LogAndNotifyKeysTests {
    @Test func logDriverDefaultsToAuto() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a }\n", file: manifestFile, environment: [:])
        #expect(manifest.log.driver == .auto)
    }

    @Test(arguments: [("journald", LogSpec.Driver.journald), ("file", .file), ("auto", .auto)])
    func logDriverValues(_ text: String, _ driver: LogSpec.Driver) throws {
        let yaml = "log: { driver: \(text) }\nservices:\n  web: { command: a }\n"
        #expect(try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:]).log.driver == driver)
    }

    @Test func badLogDriver() {
        expectError(
            """
            log: { driver: jornald }
            services:
              web: { command: a }
            """, "'log.driver' must be one of auto, journald, file, got 'jornald'; did you mean 'journald'?",
            line: 1, column: 16)
    }

    @Test func unknownLogKey() {
        expectError(
            """
            log: { drive: file }
            services:
              web: { command: a }
            """, "unknown key 'drive' in 'log'; did you mean 'driver'?", line: 1, column: 8)
    }

    @Test func readyNotifyAndHealthWatchdog() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  web:
                    command: a
                    ready: { notify: true }
                    health: { watchdog: 10s }
                """, file: manifestFile, environment: [:])
        let web = try #require(manifest.services["web"])
        #expect(web.ready?.check == .notify)
        #expect(web.health?.check == .watchdog(.seconds(10)))
        #expect(web.notify)
    }

    @Test func notifyAliasAloneKeepsNoReadyProbe() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a, notify: true }\n",
            file: manifestFile, environment: [:])
        #expect(manifest.services["web"]?.notify == true)
        #expect(manifest.services["web"]?.ready == nil)
    }

    @Test func notifyAliasWithAnotherReadyProbe() {
        expectError(
            """
            services:
              web:
                command: a
                notify: true
                ready: { exec: "true" }
            """,
            "'notify: true' is short for 'ready: { notify: true }' and cannot be combined with the 'ready' "
                + "probe of service 'web'; drop one of them", line: 4, column: 5)
    }

    @Test func watchdogIsNotAReadinessCheck() {
        expectError(
            """
            services:
              web:
                command: a
                ready: { watchdog: 5s }
            """, "'ready' cannot use watchdog (liveness); for readiness use notify: true (sd_notify READY=1)",
            line: 4, column: 14)
    }

    @Test func notifyIsNotALivenessCheck() {
        expectError(
            """
            services:
              web:
                command: a
                health: { notify: true }
            """,
            "'health' cannot use notify (readiness); for liveness use watchdog: DURATION (sd_notify WATCHDOG=1 "
                + "pings)", line: 4, column: 15)
    }
}
