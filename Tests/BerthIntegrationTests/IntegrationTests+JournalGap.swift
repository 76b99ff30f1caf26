import BerthControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// journald going away while replicas log (see also Tests/chaos, scenario f). The daemon runs in a mount namespace
/// of its own with a private journald on tmpfs, so that stopping that journald touches nothing else.
extension IntegrationTests {
    static let journaldPath = "/lib/systemd/systemd-journald"

    @Test(
        "journald stopped and started again: its lines go to the files meanwhile, the gap is reported, none lost",
        .enabled(
            if: getuid() == 0 && access(journaldPath, X_OK) == 0 && access("/usr/bin/unshare", X_OK) == 0
                && access("/usr/bin/nsenter", X_OK) == 0, "needs root, unshare, nsenter and systemd-journald"))
    func journaldGap() async throws {
        try await withProject("jgap") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: \(try Self.fixture("--log-every", "3"))
                    """, top: "log: { driver: journald }\n")
            let script = """
                set -e
                for d in /run/systemd/journal /run/log/journal /var/log/journal; do
                    mkdir -p $d; mount -t tmpfs tmpfs $d
                done
                \(Self.journaldPath) >/dev/null 2>&1 & echo $! > \(project.root)/journald.pid
                i=0; while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
                mkdir -p \(project.root)/run
                exec \(try Binaries.berthd) --file \(project.manifestPath) --socket \(project.socket) \
                    --state-dir \(project.stateDirectory)
                """
            _ = try project.start("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script])
            let ready = try await project.waitForStatus("web ready", timeout: .seconds(20)) {
                $0.replicas("web").first?.ready == true
            }
            let daemon = ready.daemonPID
            let first = try #require(
                Int32(
                    try String(contentsOfFile: "\(project.root)/journald.pid", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)))
            try await Task.sleep(for: .milliseconds(700))
            kill(first, SIGTERM)
            _ = try await eventually("journald to stop", timeout: .seconds(10)) {
                ProcessScan.isAlive(first) ? nil : true
            }
            try await Task.sleep(for: .milliseconds(1500))
            let second = try project.start("/usr/bin/nsenter", ["-t", "\(daemon)", "-m", Self.journaldPath])
            try await Task.sleep(for: .milliseconds(2000))
            #expect(try await project.berth(["down", "--timeout", "10s"]).exitCode == 0)
            let journaldPID = try #require(second.commandPID)

            let journal = try await project.start(
                "/usr/bin/nsenter",
                [
                    "-t", "\(journaldPID)", "-m", "journalctl", "BERTH_PROJECT=\(project.name)", "-o", "json",
                    "--no-pager",
                ]
            ).wait(timeout: .seconds(30))
            let entries = journal.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            var files: [[String: Any]] = []
            let logs = "\(project.stateDirectory)/logs"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [] {
                let text = (try? String(contentsOfFile: "\(logs)/\(name)", encoding: .utf8)) ?? ""
                files += text.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }
            let fromJournal = entries.compactMap { $0["MESSAGE"] as? String }
            let fromFiles = files.compactMap { $0["message"] as? String }
            var ticks: [String: Set<Int>] = [:]
            for message in fromJournal + fromFiles where message.hasPrefix("tick ") {
                let words = message.split(separator: " ")
                guard words.count == 3, let number = Int(words[1]) else { continue }
                ticks[String(words[2]), default: []].insert(number)
            }
            let numbers = try #require(ticks.values.first, "no tick lines at all: \(journal)")
            #expect(ticks.count == 1)
            let missing = (1...(numbers.max() ?? 1)).filter { !numbers.contains($0) }
            #expect(missing.isEmpty, "\(missing.count) lines lost: \(missing.prefix(20))")
            #expect(fromFiles.contains { $0.hasPrefix("tick ") }, "lines of the gap are in the files")
            #expect(files.filter { $0["event"] as? String == "log_fallback" }.count == 1)
            let recovered = entries.filter { $0["BERTH_EVENT"] as? String == "log_recovered" }
            #expect(recovered.count == 1, "\(recovered)")
        }
    }
}
