import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a replica inherits from berthd's environment with the real daemon: the admin token's variable never, an
/// operator's variable only through `env_inherit`, checked in /proc of replicas running as `nobody` and in their
/// output; and what a replica prints reaches a terminal with its control characters escaped.
extension IntegrationTests {
    @Test(
        "environment: user: replicas get neither the admin token's variable nor operator variables by default",
        .enabled(if: geteuid() == 0, "needs root: berthd switches users only as root"))
    func replicasInheritOnlyWhatIsAllowed() async throws {
        try await withProject("inherit") { project in
            let token = "adm-" + String(UInt64.random(in: 1 << 50...1 << 60), radix: 36) + "-0123456789"
            let operatorValue = "op-" + String(UInt64.random(in: 1 << 40...1 << 50), radix: 36)
            project.extraEnvironment["ADMIN_TOKEN"] = token
            project.extraEnvironment["BERTH_TEST_OPERATOR_SECRET"] = operatorValue
            // Each replica prints its whole environment; `copy` learns the token the one way left (the manifest
            // hands it over explicitly) and prints it.
            let dump = "env; echo copy=$COPY; exec /bin/sleep 600"
            try project.writeManifest(
                services: """
                      plain:
                        command: ["/bin/sh", "-c", "\(dump)"]
                        user: nobody
                        workdir: /tmp
                      allowed:
                        command: ["/bin/sh", "-c", "\(dump)"]
                        user: nobody
                        workdir: /tmp
                        env_inherit: [BERTH_TEST_*]
                      everything:
                        command: ["/bin/sh", "-c", "\(dump)"]
                        user: nobody
                        workdir: /tmp
                        env_inherit: true
                        env: { COPY: "${ADMIN_TOKEN}" }
                    """, top: "admin: { listen: \"127.0.0.1:\(freePort())\", token: \"${ADMIN_TOKEN}\" }\n")
            let check = try await project.berth(["check", "-f", project.manifestPath])
            #expect(check.exitCode == 0 && check.stderr.isEmpty, "nothing new to say: \(check)")
            #expect(try await project.upDetached().exitCode == 0)
            let status = try await project.waitForStatus("every replica running") { status in
                ["plain", "allowed", "everything"].allSatisfy { status.replicas($0).first?.pid != nil }
            }
            func environment(_ service: String) throws -> [String: String] {
                try Self.procEnvironment(try #require(status.replicas(service).first?.pid))
            }
            for service in ["plain", "allowed", "everything"] {
                let values = try environment(service)
                #expect(values["ADMIN_TOKEN"] == nil, "\(service): \(values)")
                #expect(values["PATH"] != nil && values["USER"] == "nobody", "\(service): \(values)")
                #expect(!values.values.contains(token) || service == "everything", "\(service): \(values)")
            }
            #expect(try environment("plain")["BERTH_TEST_OPERATOR_SECRET"] == nil)
            #expect(try environment("allowed")["BERTH_TEST_OPERATOR_SECRET"] == operatorValue)
            #expect(try environment("everything")["BERTH_TEST_OPERATOR_SECRET"] == operatorValue)
            #expect(try environment("everything")["COPY"] == token, "the manifest may still hand it over")

            var logs = ""
            // `service.0 | line` with the label padded: the lines each replica printed.
            func printed(_ service: String) -> [String] {
                logs.split(separator: "\n").compactMap { line in
                    guard let bar = line.range(of: " | "),
                        line[..<bar.lowerBound].trimmingCharacters(in: .whitespaces) == service + ".0"
                    else { return nil }
                    return String(line[bar.upperBound...])
                }
            }
            _ = try? await eventually("every replica's dump in berth logs", timeout: .seconds(10)) { () -> Bool? in
                logs = try await project.berth(["logs", "-n", "1000"]).output
                let services = ["plain", "allowed", "everything"]
                return services.allSatisfy { printed($0).contains { $0.hasPrefix("copy=") } } ? true : nil
            }
            #expect(!logs.contains(token), "the token is masked wherever a replica prints it: \(logs)")
            #expect(printed("everything").contains("copy=(secret)"), "\(logs)")
            #expect(printed("allowed").contains("BERTH_TEST_OPERATOR_SECRET=\(operatorValue)"), "\(logs)")
            #expect(printed("plain").contains("copy="), "\(logs)")
            #expect(!printed("plain").contains { $0.hasPrefix("BERTH_TEST_OPERATOR_SECRET") }, "\(logs)")
        }
    }

    @Test("terminal: control characters a replica prints are escaped on a TTY, exact in pipes and JSON")
    func replicaOutputReachesATerminalEscaped() async throws {
        try await withProject("escape") { project in
            let script = project.root + "/noisy.sh"
            try project.write("printf 'x\\033]0;pwned\\007\\033[2J\\n' >&2\nexit 3\n", to: script)
            try project.writeManifest(
                services: """
                      noisy:
                        command: ["/bin/sh", "\(script)"]
                        restart: { backoff: { initial: 200ms, max: 1s } }
                        ready: { exec: ["/bin/false"], interval: 100ms }
                    """)
            let raw = "x\u{1B}]0;pwned\u{07}\u{1B}[2J"
            let shown = "x\\x1b]0;pwned\\x07\\x1b[2J"
            // `up` gives up on a replica that never gets ready and reports its last stderr lines.
            let up = try await project.berth(
                ["up", "-d", "-f", project.manifestPath, "--timeout", "2s"],
                timeout: .seconds(30))
            #expect(
                up.exitCode != 0 && up.stderr.contains(shown) && !up.output.contains("\u{1B}]0;pwned"),
                "\(up)")
            _ = try await project.waitForStatus("noisy's last stderr") {
                $0.replicas("noisy").first?.lastStderr?.isEmpty == false
            }
            // JSON is exact: the decoded last_stderr holds the raw characters.
            let json = try await project.berth(["status", "--json"])
            let status = try JSONDecoder().decode(StatusResponse.self, from: Data(json.stdout.utf8))
            #expect(status.replicas("noisy").first?.lastStderr?.contains(raw) == true, "\(json)")
            #expect(!json.stdout.contains("\u{1B}"), "JSON escapes control characters itself")
            // To a pipe, `berth logs` is exact (`| grep` works on the real text).
            let piped = try await project.berth(["logs", "-n", "100", "noisy"])
            #expect(piped.stdout.contains("noisy.0 | " + raw), "\(piped)")
            // On a terminal (script(1) gives it a pty), the same line is shown escaped.
            let command = "'\(try Binaries.berth)' logs -n 100 noisy"
            let tty = try await project.start("/usr/bin/script", ["-qec", command, "/dev/null"])
                .wait(timeout: .seconds(20))
            #expect(tty.exitCode == 0, "\(tty)")
            #expect(tty.stdout.contains(shown) && !tty.stdout.contains("\u{1B}]0;pwned"), "\(tty)")
        }
    }
}
