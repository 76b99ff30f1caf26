import BerthControlProtocol
import Foundation

/// One scenario's sandbox: a fresh temp dir with the manifest, the daemon's socket (`run/control.sock`) and state
/// directory (`state`), a unique project name, and every pid seen, so that `cleanUp` can leave nothing behind.
final class TestProject {
    let name: String
    let root: String
    /// Added to the environment of every command run for this project (e.g. BERTH_TEST_RELAXED_SOCKET).
    var extraEnvironment: [String: String] = [:]
    private(set) var seenReplicaPIDs: Set<Int32> = []
    private(set) var seenDaemonPIDs: Set<Int32> = []
    private var started: [RunningCommand] = []
    private var commandCount = 0

    var manifestPath: String { "\(root)/berth.yaml" }
    var socket: String { "\(root)/run/control.sock" }
    var stateDirectory: String { "\(root)/state" }
    var pidFile: String { "\(stateDirectory)/berthd.pid" }
    var daemonLog: String { "\(stateDirectory)/berthd.log" }

    init(scenario: String) throws {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        name = "it-\(scenario)-\(suffix)"
        var template = Array("/tmp/berth-it-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IntegrationFailure("mkdtemp failed: errno \(errno)") }
        root = String(cString: made)
    }

    /// Writes `berth.yaml` with this project's name and `services` (YAML lines indented by two spaces).
    func writeManifest(services: String, top: String = "") throws {
        try write("name: \(name)\n\(top)services:\n\(services)", to: manifestPath)
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_SOCKET"] = socket
        environment["BERTH_STATE_DIR"] = stateDirectory
        environment.removeValue(forKey: "BERTH_DAEMON")
        return environment.merging(extraEnvironment) { $1 }
    }

    /// Starts `executable` in the project's directory with the project's environment; output goes to files.
    func start(_ executable: String, _ arguments: [String]) throws -> RunningCommand {
        commandCount += 1
        try FileManager.default.createDirectory(atPath: "\(root)/out", withIntermediateDirectories: true)
        let command = try RunningCommand(
            executable, arguments, environment: environment, directory: root,
            outputPrefix: "\(root)/out/\(commandCount)"
        )
        started.append(command)
        return command
    }

    /// Runs `berth ARGUMENTS` to completion, killed past `timeout`.
    func berth(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> CommandResult {
        let command = try start(try Binaries.berth, arguments)
        return await command.wait(timeout: timeout)
    }

    /// `berth up -d -f berth.yaml --timeout 20s`.
    func upDetached() async throws -> CommandResult {
        try await berth(["up", "-d", "-f", manifestPath, "--timeout", "20s"], timeout: .seconds(40))
    }

    /// `berth status --json`, decoded; every pid in it is remembered for the clean-up.
    func status() async throws -> StatusResponse {
        let result = try await berth(["status", "--json"], timeout: .seconds(15))
        guard result.exitCode == 0, !result.timedOut else {
            throw IntegrationFailure("berth status --json failed: \(result)")
        }
        let status = try JSONDecoder().decode(StatusResponse.self, from: Data(result.stdout.utf8))
        seenDaemonPIDs.insert(status.daemonPID)
        for replica in status.services.flatMap(\.replicas) {
            if let pid = replica.pid { seenReplicaPIDs.insert(pid) }
        }
        return status
    }

    /// Polls `berth status --json` until `condition` holds; fails with the last status seen.
    func waitForStatus(
        _ what: String, timeout: Duration = .seconds(15), _ condition: (StatusResponse) -> Bool
    ) async throws -> StatusResponse {
        var last: StatusResponse?
        do {
            return try await eventually(what, timeout: timeout) {
                let status = try await status()
                last = status
                return condition(status) ? status : nil
            }
        } catch let failure as IntegrationFailure {
            throw IntegrationFailure("\(failure); last status: \(last.map(String.init(describing:)) ?? "none")")
        }
    }

    /// The project's live processes, found by their marks in /proc.
    var markedPIDs: [Int32] { ProcessScan.markedPIDs(project: name) }

    /// The pid in the daemon's pid file, if the file exists.
    var pidFromFile: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func recordDaemon(_ pid: Int32) { seenDaemonPIDs.insert(pid) }

    /// Leaves nothing behind, whatever state the test got to: `berth down`, then SIGKILL for the daemon (by its pid
    /// file and every daemon pid seen), every replica seen, every marked process and every command still running;
    /// finally removes the temp dir.
    func cleanUp() async {
        // A daemon that died under the test (its pid file left, the process gone): its log goes with the temp dir, so
        // its last lines go to the test's output first (an intermittent crash must say why: lowFileLimit, 2026-12-06).
        if let pid = pidFromFile, !ProcessScan.isAlive(pid),
            let log = try? String(contentsOfFile: daemonLog, encoding: .utf8)
        {
            let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
            FileHandle.standardError.write(
                Data("berthd \(pid) of \(name) is gone; the end of its log:\n\(tail)\n".utf8))
        }
        if FileManager.default.fileExists(atPath: socket) {
            _ = try? await berth(["down", "--timeout", "5s"], timeout: .seconds(20))
        }
        var daemons = seenDaemonPIDs
        if let pid = pidFromFile { daemons.insert(pid) }
        for pid in daemons where ProcessScan.commandLine(of: pid)?.first?.hasSuffix("berthd") ?? false {
            kill(pid, SIGKILL)
        }
        for pid in seenReplicaPIDs where ProcessScan.isAlive(pid, project: name) {
            kill(pid, SIGKILL)
        }
        for command in started {
            command.killAll()
        }
        _ = try? await eventually("the project's processes to be gone", timeout: .seconds(5)) { () -> Bool? in
            let left = markedPIDs
            for pid in left { kill(pid, SIGKILL) }
            return left.isEmpty ? true : nil
        }
        for command in started where command.isRunning {
            _ = await command.wait(timeout: .seconds(1))
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Runs `body` with a fresh project and cleans it up afterwards, whether `body` returned or threw.
func withProject(_ scenario: String, _ body: (TestProject) async throws -> Void) async throws {
    let project = try TestProject(scenario: scenario)
    do {
        try await body(project)
    } catch {
        await project.cleanUp()
        throw error
    }
    await project.cleanUp()
}

extension StatusResponse {
    func service(_ name: String) -> ServiceStatus? { services.first { $0.name == name } }

    func replicas(_ service: String) -> [ReplicaStatus] { self.service(service)?.replicas ?? [] }
}

extension TestProject {
    /// The pid of `service.0` once it has one.
    func firstPID(_ service: String) async throws -> Int32 {
        let status = try await waitForStatus("\(service).0 to have a process") {
            $0.replicas(service).first?.pid != nil
        }
        return status.replicas(service).first!.pid!
    }
}
