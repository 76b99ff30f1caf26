import BerthControlProtocol
import BerthHooks
import BerthProcess
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the manifest's hooks: follows the supervisor's events, turns the ones that need a person into hook events and
/// delivers them through `HookQueue`, each attempt a process of its own (the command, or curl POSTing to the URL)
/// killed at its timeout. An actor apart from the supervisor and fed from its event stream, so that a hook that hangs
/// or a webhook that never answers cannot delay a restart.
actor HookRunner {
    struct Attempt {
        var token: Int
        var pid: Int32
        var lastLine: String?
        var timeout: Task<Void, Never>
    }

    let hooks: [HookSpec]
    let project: String
    let processes: any ProcessControl
    let environment: [String: String]
    let directory: String
    let logger: Logger
    var queue: HookQueue<ContinuousClock.Instant>
    /// Restarts per replica ("web.0") since the daemon started, for `restarted` hooks' `restarts:`.
    var restartCounts: [String: Int] = [:]
    var attempts: [Int: Attempt] = [:]
    var nextToken = 0

    init(
        hooks: [HookSpec], project: String, processes: any ProcessControl, environment: [String: String],
        directory: String, logger: Logger
    ) {
        self.hooks = hooks
        self.project = project
        self.processes = processes
        self.environment = environment
        self.directory = directory
        self.logger = logger
        self.queue = HookQueue(retries: hooks.map(\.retries))
    }

    /// Delivers until the stream ends (daemon shutdown).
    func run(_ events: AsyncStream<DaemonEvent>) async {
        for await event in events {
            handle(event)
        }
    }

    func handle(_ event: DaemonEvent) {
        var restarts: Int?
        if HookEvent.isRestart(event), let service = event.service {
            let key = "\(service).\(event.replica ?? 0)"
            restartCounts[key, default: 0] += 1
            restarts = restartCounts[key]
        }
        for hookEvent in HookEvent.classify(event, project: project, restarts: restarts) {
            let lanes = hooks.indices.filter { hooks[$0].matches(hookEvent) }
            guard !lanes.isEmpty else { continue }
            execute(queue.enqueue(hookEvent, lanes: lanes, now: .now))
        }
    }

    private func execute(_ actions: [HookQueue<ContinuousClock.Instant>.Action]) {
        for action in actions {
            let hook = action.lane.map(describe) ?? ""
            switch action {
            case .attempt(let lane, let delivery):
                start(lane, delivery)
            case .wake(let lane, let at):
                Task { [weak self] in
                    try? await Task.sleep(until: at, clock: .continuous)
                    await self?.retryDue(lane)
                }
            case .delivered(_, let delivery):
                logger.info(
                    "hook \(hook) ran for \(delivery.event.kind.rawValue) of \(delivery.event.service)",
                    metadata: ["event": "hook", "service": "\(delivery.event.service)"])
            case .failed(_, let delivery, let detail):
                let message =
                    "hook \(hook) failed for \(delivery.event.kind.rawValue) of \(delivery.event.service) "
                    + "after \(delivery.attempt) attempts: \(detail)"
                logger.warning(
                    "\(message)",
                    metadata: ["event": "hook_failed", "service": "\(delivery.event.service)"])
            case .dropped(_, let event):
                let message = "hook \(hook) is behind: dropped its \(event.kind.rawValue) event of \(event.service)"
                logger.warning("\(message)", metadata: ["event": "hook_dropped", "service": "\(event.service)"])
            }
        }
    }

    private func retryDue(_ lane: Int) {
        execute(queue.retryDue(lane: lane, now: .now))
    }

    private func describe(_ lane: Int) -> String {
        switch hooks[lane].target {
        case .command(let words): "'\(words.joined(separator: " "))'"
        // Scheme and host only: the path or query of a webhook URL often carries a token, and this goes to the log.
        case .webhook(let url):
            "POST "
                + url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).prefix(3)
                .joined(separator: "/")
        }
    }

    /// A command gets the event on stdin through `sh`: `printf '%s\n' "$BERTH_EVENT_JSON" | "$@"` (the launcher
    /// gives processes no stdin of their own). curl reads the URL from its config on stdin, never from its command
    /// line: a token in a webhook URL must not show in `ps` (command lines are world-readable, environments not).
    private func start(_ lane: Int, _ delivery: HookQueue<ContinuousClock.Instant>.Delivery) {
        let hook = hooks[lane]
        var variables = environment.merging(delivery.event.environment) { $1 }
        variables["BERTH_EVENT_JSON"] = delivery.event.json
        variables["BERTH_EVENT_ATTEMPT"] = String(delivery.attempt)
        let arguments: [String]
        switch hook.target {
        case .command(let words):
            arguments = ["/bin/sh", "-c", "printf '%s\\n' \"$BERTH_EVENT_JSON\" | \"$@\"", "berth-hook"] + words
        case .webhook(let url):
            // A curl config string: `\` and `"` escaped.
            variables["BERTH_HOOK_URL"] = url.reduce(into: "") { text, character in
                if character == "\\" || character == "\"" { text.append("\\") }
                text.append(character)
            }
            let seconds = max(1, hook.timeout.components.seconds)
            arguments = [
                "/bin/sh", "-c",
                "printf 'url = \"%s\"\\n' \"$BERTH_HOOK_URL\" | curl --config - --silent "
                    + "--show-error --fail --output /dev/null --max-time \(seconds) --request POST "
                    + "--header 'Content-Type: application/json' --data-binary \"$BERTH_EVENT_JSON\"",
            ]
        }
        let request = SpawnRequest(
            arguments: arguments, environment: variables, workingDirectory: directory,
            captureOutput: true)
        nextToken += 1
        let token = nextToken
        let pid: Int32
        do {
            pid = try processes.spawn(
                request,
                onOutput: { [weak self] line in
                    Task { await self?.output(lane, token: token, line) }
                },
                onExit: { [weak self] status in
                    Task {
                        await self?.ended(lane, token: token, success: status.succeeded, detail: status.description)
                    }
                })
        } catch {
            execute(queue.attemptEnded(lane: lane, success: false, detail: "\(error)", now: .now))
            return
        }
        let limit = hook.timeout
        let timeout = Task { [weak self] in
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            await self?.timedOut(lane, token: token, after: limit)
        }
        attempts[lane] = Attempt(token: token, pid: pid, timeout: timeout)
    }

    private func output(_ lane: Int, token: Int, _ line: OutputLine) {
        guard attempts[lane]?.token == token else { return }
        attempts[lane]?.lastLine = String(line.text.prefix(300))
    }

    private func ended(_ lane: Int, token: Int, success: Bool, detail: String) {
        guard let attempt = attempts[lane], attempt.token == token else { return }
        attempts[lane] = nil
        attempt.timeout.cancel()
        let said = attempt.lastLine.map { "\(detail): \($0)" } ?? detail
        execute(queue.attemptEnded(lane: lane, success: success, detail: said, now: .now))
    }

    private func timedOut(_ lane: Int, token: Int, after limit: Duration) {
        guard let attempt = attempts[lane], attempt.token == token else { return }
        attempts[lane] = nil
        processes.signalGroup(attempt.pid, SIGKILL)
        execute(queue.attemptEnded(lane: lane, success: false, detail: "timed out after \(limit)", now: .now))
    }
}
