import BerthManifest
import BerthManifestYAML
import BerthProcess
import BerthSupervisor
import Logging
import Synchronization

/// A process table without processes: records spawns and signals; tests decide when a process exits.
/// Processes exit on SIGTERM/SIGKILL by default, like well-behaved programs.
final class FakeProcesses: ProcessControl {
    struct Spawned: Sendable {
        var pid: Int32
        var request: SpawnRequest
        var onExit: @Sendable (ExitStatus) -> Void
        var onOutput: @Sendable (OutputLine) -> Void = { _ in }
        var exited = false
    }

    struct State {
        var nextPID: Int32 = 1000
        var spawned: [Int32: Spawned] = [:]
        var order: [String] = []
        var signals: [(pid: Int32, signal: Int32)] = []
        var failing: Set<String> = []
        /// Spawned processes exec at once (`onExec` from within `spawn`) unless this is false: then `exec` does it.
        var execAtSpawn = true
        var later: [@Sendable () -> Void] = []
    }

    let state = Mutex(State())

    func spawn(
        _ request: SpawnRequest,
        onOutput: @escaping @Sendable (OutputLine) -> Void,
        onExit: @escaping @Sendable (ExitStatus) -> Void
    ) throws(SpawnError) -> Int32 {
        let name = "\(request.environment["BERTH_SERVICE"] ?? "?").\(request.environment["BERTH_REPLICA"] ?? "?")"
        let result: Result<Int32, SpawnError> = state.withLock { state in
            if state.failing.contains(request.arguments[0]) {
                return .failure(.executableNotFound(request.arguments[0]))
            }
            state.nextPID += 1
            state.spawned[state.nextPID] = Spawned(
                pid: state.nextPID, request: request, onExit: onExit, onOutput: onOutput)
            state.order.append(name)
            return .success(state.nextPID)
        }
        let pid = try result.get()
        if state.withLock({ $0.execAtSpawn }) { request.onExec?(true) }
        return pid
    }

    /// Process `pid`'s exec outcome, as the launcher's pump reports it at the exec report's EOF.
    func exec(_ pid: Int32, succeeded: Bool = true) {
        let handler = state.withLock { $0.spawned[pid]?.request.onExec }
        handler?(succeeded)
    }

    func runLater(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.later.append(body) }
    }

    /// Runs what `runLater` was given, as if its time had come.
    func runLaterNow() {
        let bodies = state.withLock { state in
            defer { state.later = [] }
            return state.later
        }
        for body in bodies { body() }
    }

    func signalGroup(_ pgid: Int32, _ signal: Int32) -> Bool {
        let alive = state.withLock { state -> Bool in
            state.signals.append((pgid, signal))
            return state.spawned[pgid].map { !$0.exited } ?? false
        }
        if alive, signal == 15 || signal == 9 {
            exit(pgid, signal == 9 ? .signaled(9, coreDumped: false) : .signaled(15, coreDumped: false))
        }
        return alive
    }

    /// Makes process `pid` exit with `status` (once).
    func exit(_ pid: Int32, _ status: ExitStatus) {
        let handler = state.withLock { state -> (@Sendable (ExitStatus) -> Void)? in
            guard var process = state.spawned[pid], !process.exited else { return nil }
            process.exited = true
            state.spawned[pid] = process
            return process.onExit
        }
        handler?(status)
    }

    /// Tells process `pid`'s `onDeath` that it exited with `status`, as the launcher's pump does from the pidfd before
    /// the reap; `exit` then delivers the exit itself.
    func die(_ pid: Int32, _ status: ExitStatus) {
        let handler = state.withLock { $0.spawned[pid]?.request.onDeath }
        handler?(status)
    }

    /// Makes process `pid` print `text` on `stream`, as the launcher's reader thread would hand it over.
    /// `continued`: a piece of a line longer than 64 KiB, continued by the next line of the stream.
    func print(_ pid: Int32, _ text: String, stream: OutputLine.Stream = .stdout, continued: Bool = false) {
        let handler = state.withLock { $0.spawned[pid]?.onOutput }
        handler?(OutputLine(stream: stream, text: text, continued: continued, pid: pid))
    }

    var spawnOrder: [String] { state.withLock { $0.order } }

    /// The running pids of `service`, by replica index.
    func running(_ service: String) -> [Int: Int32] {
        state.withLock { state in
            var result: [Int: Int32] = [:]
            for process in state.spawned.values
            where !process.exited
                && process.request.environment["BERTH_SERVICE"] == service
            {
                result[Int(process.request.environment["BERTH_REPLICA"]!)!] = process.pid
            }
            return result
        }
    }

    func request(of pid: Int32) -> SpawnRequest? {
        state.withLock { $0.spawned[pid]?.request }
    }

    /// The order in which services received their first stop signal.
    var stopOrder: [String] {
        state.withLock { state in
            var seen: [String] = []
            for (pid, signal) in state.signals where signal == 15 {
                guard let service = state.spawned[pid]?.request.environment["BERTH_SERVICE"] else { continue }
                if !seen.contains(service) { seen.append(service) }
            }
            return seen
        }
    }
}

/// Probes that pass or fail as the test says, per service.
final class FakeProber: ProbeRunning {
    let failing = Mutex<Set<Int>>([])

    func probe(_ check: ProbeSpec.Check, port: Int?, exec: SpawnRequest?, timeout: Duration) async -> (Bool, String) {
        if let port, failing.withLock({ $0.contains(port) }) { return (false, "connection refused") }
        return (true, "")
    }
}

func makeSupervisor(
    _ yaml: String, processes: FakeProcesses, prober: any ProbeRunning = FakeProber(),
    metrics: SupervisorMetrics = SupervisorMetrics(), environment: [String: String]? = nil,
    clock: any SupervisorClock = ContinuousSupervisorClock()
) throws -> Supervisor {
    let manifest = try ManifestLoader.parse(
        yaml: yaml, file: "/tmp/berth-supervisor-tests/berth.yaml", environment: environment ?? [:])
    return Supervisor(
        configuration: .init(
            manifest: manifest, instanceID: "test", stateFile: nil, baseEnvironment: environment ?? ["PATH": "/bin"]),
        processes: processes,
        prober: prober,
        logger: Logger(label: "test"),
        metrics: metrics,
        clock: clock
    )
}

/// Polls `condition` until it holds or ten seconds pass; the fakes answer at once, so this is quick. The bound is
/// generous because it is only reached when the test fails: a loaded 2-core CI machine running this target's suites
/// in parallel (each with its own supervisor on the cooperative pool) can hold a supervisor's turn back for seconds.
func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}
