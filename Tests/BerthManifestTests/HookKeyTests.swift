import BerthHooks
import BerthManifest
import BerthManifestYAML
import Testing

/// `on_failure:` / `on_event:` per service and project-wide: commands and URLs, options, positioned errors.
@Suite struct HookKeyTests {
    @Test func serviceAndProjectHooks() throws {
        let yaml = """
            on_failure: { url: "https://hooks.example.com/berth", timeout: 5s, retries: 1 }
            services:
              web:
                command: a
                on_failure: { command: ["./alert.sh", "web"] }
                on_event:
                  restarted: [{ command: "logger restarted", restarts: 3 }, { url: "http://127.0.0.1:9/x" }]
            """
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        #expect(
            manifest.hooks == [
                HookSpec(
                    target: .webhook("https://hooks.example.com/berth"),
                    events: HookEventKind.failures, timeout: .seconds(5), retries: 1)
            ])
        let web = manifest.services["web"]!.hooks
        #expect(
            web == [
                HookSpec(target: .command(["./alert.sh", "web"]), events: HookEventKind.failures, service: "web"),
                HookSpec(target: .command(["logger", "restarted"]), events: [.restarted], service: "web", restarts: 3),
                HookSpec(target: .webhook("http://127.0.0.1:9/x"), events: [.restarted], service: "web"),
            ])
    }

    @Test func unknownEventHasAHint() {
        expectError(
            "services:\n  web:\n    command: a\n    on_event:\n      gave-up: { command: x }\n",
            "unknown event 'gave-up' in 'on_event'; expected gave_up, restarted, oom_killed, rolled_back; "
                + "did you mean 'gave_up'?", line: 5, column: 7)
    }

    @Test func needsCommandOrURL() {
        expectError(
            "services:\n  web:\n    command: a\n    on_failure: { timeout: 1s }\n",
            "'on_failure' of service 'web' needs 'command' (run a program) or 'url' (POST the event)",
            line: 4, column: 17)
        expectError(
            "services:\n  web:\n    command: a\n    on_failure: { command: x, url: \"http://h/\" }\n",
            "a hook has either 'command' or 'url', not both", line: 4, column: 31)
    }

    @Test func badURL() {
        expectError(
            "services:\n  web:\n    command: a\n    on_failure: { url: ftp://host/x }\n",
            "'url' must be an http:// or https:// URL without spaces, got 'ftp://host/x'", line: 4, column: 24)
    }
}
