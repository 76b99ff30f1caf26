import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// Found by the fourth outside audit (audit4): inputs a manifest names that made `berth check` (and berthd's
/// `berth resolve`) hang or eat the machine's memory, and a replica count the rest of Berth cannot address.
@Suite struct ManifestBoundsAuditTests {
    private func messages(_ yaml: String, directory: String) -> [String] {
        do {
            _ = try ManifestLoader.parse(yaml: yaml, file: directory + "/berth.yaml", environment: [:])
            return []
        } catch {
            return error.diagnostics.map(\.message)
        }
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit4-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The broken loader read `/dev/zero` until memory ran out (14 GB within a minute, then killed).
    @Test func aDeviceAsEnvFileOrSecretsIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for key in ["env_file", "secrets"] {
            let found = messages("services:\n  web:\n    command: app\n    \(key): /dev/zero\n", directory: directory)
            #expect(found.count == 1)
            #expect(found.first?.contains("is not a regular file") == true, "\(found)")
        }
    }

    /// `/dev/null` stays an empty file (a way to make an `env_file` optional), not "not a regular file".
    @Test func devNullIsStillAnEmptyEnvFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            messages("services:\n  web:\n    command: app\n    env_file: /dev/null\n", directory: directory).isEmpty)
    }

    /// The broken loader blocked in `open` on a FIFO nobody writes to: `berth check` never returned.
    @Test func aFIFOAsEnvFileIsRefusedAtOnce() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/app.env"
        #expect(mkfifo(fifo, 0o600) == 0)
        let found = messages("services:\n  web:\n    command: app\n    env_file: app.env\n", directory: directory)
        #expect(found.count == 1)
        #expect(found.first?.contains("is not a regular file") == true, "\(found)")
    }

    /// A regular env file past the bound is refused by name (the broken loader read any size).
    @Test func aHugeEnvFileIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let line = "KEY=" + String(repeating: "v", count: 1000) + "\n"
        let text = String(repeating: line, count: 4300)  // 4.3 MB
        try text.write(toFile: directory + "/big.env", atomically: true, encoding: .utf8)
        let found = messages("services:\n  web:\n    command: app\n    env_file: big.env\n", directory: directory)
        #expect(found.count == 1)
        #expect(found.first?.contains("is larger than 4 MiB") == true, "\(found)")
    }

    /// `berth -f /dev/zero check` read until memory ran out; a 27 MB manifest took 51 s and 1.6 GB before it was
    /// refused. Now both stop at the bound (a pipe is still read, see ManifestReadAuditTests).
    @Test func aManifestPastTheBoundIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/berth.yaml"
        let big = "services:\n  web:\n    command: app\nx-pad: " + String(repeating: "a", count: 4 << 20) + "\n"
        try big.write(toFile: path, atomically: true, encoding: .utf8)
        for file in [path, "/dev/zero"] {
            do {
                _ = try ManifestLoader.load(path: file, environment: [:], accounts: .skip)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.diagnostics.map(\.message) == ["the manifest is larger than 4 MiB"])
            }
        }
    }

    /// `replicas: 99999999` passed `berth check`, and `berth up` started processes until the machine gave out,
    /// while `berth scale` and the control API stop at 1000 (and cannot name `web.1000`).
    @Test func replicasAreBoundedLikeScale() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(messages("services:\n  web: { command: app, replicas: 1000 }\n", directory: directory).isEmpty)
        #expect(
            messages("services:\n  web: { command: app, replicas: 1001 }\n", directory: directory) == [
                "'replicas' must be <= 1000 (the most `berth scale` sets), got 1001"
            ])
    }
}

/// Found by the fourth outside audit (audit4): a dependency with `replicas: 0` can never be started, ready or
/// completed, so `berth up -d` waited its whole timeout; `berth check` said nothing (no warning at all before).
@Suite struct ZeroReplicaDependencyAuditTests {
    @Test func aDependencyWithNoReplicasIsAWarningAtTheEntry() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  a: { command: app, replicas: 0 }
                  b: { command: app, depends_on: { a: ready } }
                  c: { command: app, depends_on: [b] }
                """,
            file: "/nonexistent-berth/berth.yaml", environment: [:])
        #expect(
            manifest.warnings.map(\.description) == [
                "/nonexistent-berth/berth.yaml:3:36: warning: service 'b' waits for 'a' (ready), which has "
                    + "replicas: 0; 'b' starts only once 'a' is scaled up (berth scale a=1)"
            ])
    }
}
