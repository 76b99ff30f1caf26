import BerthProcess
import Glibc
import Synchronization
import Testing

/// Swift Testing also declares an `ExitStatus` (for exit tests): ours wins inside this module.
typealias ExitStatus = BerthProcess.ExitStatus

/// All tests share one launcher (they would share the process-wide reaper anyway).
let launcher: ProcessLauncher = {
    do {
        return try ProcessLauncher()
    } catch {
        fatalError("ProcessLauncher: \(error)")
    }
}()

let baseEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"]

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Collects what one child reports.
final class Recorder: Sendable {
    private struct State {
        var lines: [OutputLine] = []
        var exits: [ExitStatus] = []
        var linesAtExit = 0
        var exitInstant: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    func record(_ line: OutputLine) { state.withLock { $0.lines.append(line) } }

    func exited(_ status: ExitStatus) {
        state.withLock {
            $0.exits.append(status)
            $0.linesAtExit = $0.lines.count
            $0.exitInstant = .now
        }
    }

    var lines: [OutputLine] { state.withLock { $0.lines } }
    var texts: [String] { lines.map(\.text) }
    var exits: [ExitStatus] { state.withLock { $0.exits } }
    var exitInstant: ContinuousClock.Instant? { state.withLock { $0.exitInstant } }
    var linesAtExit: Int { state.withLock { $0.linesAtExit } }

    func waitForExit(timeout: Duration = .seconds(10)) async throws -> ExitStatus {
        try await eventually("exit", timeout: timeout) { !self.exits.isEmpty }
        return exits[0]
    }
}

/// Polls `condition` every 5 ms until it holds; throws `TimedOut` after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

func request(
    _ arguments: [String],
    environment: [String: String] = baseEnvironment,
    workingDirectory: String = "/",
    user: String? = nil,
    group: String? = nil,
    captureOutput: Bool = true
) -> SpawnRequest {
    SpawnRequest(
        arguments: arguments, environment: environment, workingDirectory: workingDirectory,
        user: user, group: group, captureOutput: captureOutput)
}

func start(_ request: SpawnRequest) throws -> (pid: Int32, recorder: Recorder) {
    let recorder = Recorder()
    let pid = try launcher.spawn(request, onOutput: recorder.record, onExit: recorder.exited)
    return (pid, recorder)
}

/// Runs a child to completion (bounded) and returns its output and status.
func run(_ request: SpawnRequest, timeout: Duration = .seconds(10)) async throws -> (Recorder, ExitStatus) {
    let (pid, recorder) = try start(request)
    do {
        let status = try await recorder.waitForExit(timeout: timeout)
        return (recorder, status)
    } catch {
        _ = launcher.signalGroup(pid, SIGKILL)
        throw error
    }
}

func sh(_ script: String) -> SpawnRequest { request(["/bin/sh", "-c", script]) }

/// Kills a test child's group and waits until it is reaped.
func killAndReap(_ pid: Int32, _ recorder: Recorder) async throws {
    _ = launcher.signalGroup(pid, SIGKILL)
    _ = try await recorder.waitForExit()
}

/// A fresh directory under /tmp, removed by the caller with `removeTree`.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/berth-process-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    return String(cString: made)
}

func writeFile(_ path: String, _ contents: String, mode: mode_t) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    precondition(fd >= 0, "open \(path)")
    _ = contents.withCString { write(fd, $0, strlen($0)) }
    fchmod(fd, mode)
    close(fd)
}

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard got > 0 else { break }
        bytes += chunk[0..<got]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func listDirectory(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != ".", name != ".." { names.append(name) }
    }
    return names
}

/// A temporary directory holding `script`, an executable whose `#!` names an interpreter that does not exist: its exec
/// fails in the child, after the clone. Remove it with `removeUnrunnableScript`.
func makeUnrunnableScript() -> String {
    let directory = makeTemporaryDirectory()
    writeFile(directory + "/script", "#!/nonexistent/interpreter\n", mode: 0o755)
    return directory
}

func removeUnrunnableScript(_ directory: String) {
    _ = unlink(directory + "/script")
    _ = rmdir(directory)
}
