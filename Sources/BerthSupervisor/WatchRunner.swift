import BerthControlProtocol
import BerthManifest
import BerthProcess
import BerthSupervisorCore
import Glibc
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Carries out one service's `watch:`: lists its files four times a second, feeds what changed to its
/// `WatchMachine`, runs the `build:` step as a process of its own and asks the supervisor for the same rolling
/// restart as `berth restart`. An actor apart from the supervisor, so a long build never delays anything else.
actor WatchRunner {
    static let pollInterval = Duration.milliseconds(250)
    /// How many lines of a failed build's output the event and the log show.
    static let failureLines = 5

    let service: String
    let spec: WatchSpec
    let build: BuildSpec?
    /// The service's `user:` and `group:`: the build runs as the replicas do, so that whoever may write the watched
    /// files gains no more than the service's own account (berthd may be root).
    let account: (user: String?, group: String?)
    /// Where `berth up` keeps build fingerprints (`STATE_DIR/builds`): a good watch build records its own there, so
    /// that the next `berth up` does not build again what the watch built.
    let buildsDirectory: String?
    let processes: any ProcessControl
    let environment: [String: String]
    let events: EventHub
    /// Where the terminal of a foreground `berth up` (and `berth logs`) reads: lines labelled `berthd`.
    let logs: LogHub
    let logger: Logger
    let rollout: @Sendable () async -> OperationResponse
    var machine: WatchMachine
    var buildTail: [String] = []
    var buildStarted: ContinuousClock.Instant?
    var buildPid: Int32?
    /// Kills the build once `spec.buildTimeout` passed.
    var buildTimer: Task<Void, Never>?
    var buildTimedOut = false
    /// The fingerprint of the inputs when the build started, recorded if it succeeds.
    var buildFingerprint: String?

    init(
        service: String, spec: WatchSpec, build: BuildSpec?, account: (user: String?, group: String?),
        buildsDirectory: String?, processes: any ProcessControl,
        environment: [String: String], events: EventHub, logs: LogHub, logger: Logger,
        rollout: @escaping @Sendable () async -> OperationResponse
    ) {
        self.service = service
        self.spec = spec
        self.build = build
        self.account = account
        self.buildsDirectory = buildsDirectory
        self.processes = processes
        self.environment = environment
        self.events = events
        self.logs = logs
        self.logger = logger
        self.rollout = rollout
        self.machine = WatchMachine(debounce: spec.debounce, hasBuild: build != nil)
    }

    /// Lists the files until cancelled (a reload that changes the watch, or the daemon's shutdown).
    func run() async {
        let scanner = WatchScanner(spec: spec)
        var before = scanner.snapshot()
        logger.info(
            "watching \(before.count) files",
            metadata: ["event": "watch", "service": "\(service)"])
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: Self.pollInterval)) != nil else { break }
            let after = scanner.snapshot()
            let changed = WatchScanner.changes(from: before, to: after)
            before = after
            if !changed.isEmpty { execute(machine.handle(.changed(changed), at: .now)) }
        }
        buildTimer?.cancel()
        if let buildPid { processes.signalGroup(buildPid, SIGKILL) }
    }

    private func execute(_ actions: [WatchMachine.Action]) {
        for action in actions {
            switch action {
            case .schedule(let at):
                Task { [weak self] in
                    try? await Task.sleep(until: at, clock: .continuous)
                    await self?.handle(.timer)
                }
            case .build(let changed):
                startBuild(changed)
            case .rollout:
                Task { [weak self, rollout] in
                    let answer = await rollout()
                    let reasons = answer.notReady.map { item in
                        item.service + (item.replica.map { ".\($0)" } ?? "") + ": " + item.reason
                    }
                    let detail = answer.ok ? answer.message : ([answer.message] + reasons).joined(separator: "; ")
                    await self?.handle(.rolloutEnded(succeeded: answer.ok, detail: detail))
                }
            case .report(let message, let failure):
                report(message, failure: failure)
            }
        }
    }

    private func handle(_ event: WatchMachine.Event) {
        execute(machine.handle(event, at: .now))
    }

    private func report(_ message: String, failure: Bool) {
        // Shown as `berthd | SERVICE: MESSAGE` (the service comes from the metadata).
        logger.log(
            level: failure ? .error : .info, "\(message)",
            metadata: ["event": failure ? "watch_failed" : "watch", "service": "\(service)"])
        events.publish(DaemonEvent(time: wallClockNow(), kind: .watch, service: service, message: message))
        terminal("\(service): \(message)")
    }

    private func terminal(_ line: String) {
        logs.append(LogEntry(service: "", replica: 0, stream: .daemon, time: wallClockNow(), line: line))
    }

    private func startBuild(_ changed: [String]) {
        guard let build else { return }
        let shown =
            changed.prefix(3).joined(separator: ", ")
            + (changed.count > 3 ? " and \(changed.count - 3) more" : "")
        report("changed: \(shown); building: \(build.command.joined(separator: " "))", failure: false)
        buildTail = []
        buildStarted = .now
        buildTimedOut = false
        buildFingerprint =
            build.inputs.isEmpty
            ? nil
            : BuildFingerprint.compute(
                build.identity, files: BuildInputScanner.scan(build))
        // Through `sh` for its PATH lookup, as the CLI's build finds its program; no shell parsing of the words.
        let request = SpawnRequest(
            arguments: ["/bin/sh", "-c", "exec \"$@\"", "berth-build"] + build.command,
            environment: environment, workingDirectory: build.workdir, user: account.user, group: account.group,
            captureOutput: true)
        do {
            buildPid = try processes.spawn(
                request,
                onOutput: { [weak self] line in
                    Task { await self?.buildOutput(line.text) }
                },
                onExit: { [weak self] status in
                    Task { await self?.buildEnded(status) }
                })
            let pid = buildPid
            buildTimer = Task { [weak self, timeout = spec.buildTimeout] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                await self?.timeOutBuild(pid)
            }
        } catch {
            handle(.buildEnded(succeeded: false, detail: "cannot start \(build.command[0]): \(error)"))
        }
    }

    private func buildOutput(_ text: String) {
        logger.info("build | \(text)", metadata: ["event": "watch_build", "service": "\(service)"])
        terminal("\(service): build | \(text)")
        buildTail.append(String(text.prefix(300)))
        if buildTail.count > Self.failureLines { buildTail.removeFirst() }
    }

    /// Past `build_timeout`: the build's whole process group is killed (a compiler's children too); its exit then
    /// reports the timeout.
    private func timeOutBuild(_ pid: Int32?) {
        guard let pid, buildPid == pid else { return }
        buildTimedOut = true
        processes.signalGroup(pid, SIGKILL)
    }

    private func buildEnded(_ status: ExitStatus) async {
        buildTimer?.cancel()
        buildTimer = nil
        // Output is delivered by tasks of its own: give the last lines a moment to arrive before quoting them.
        try? await Task.sleep(for: .milliseconds(50))
        buildPid = nil
        let elapsed = buildStarted.map { ContinuousClock.now - $0 } ?? .zero
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let took = "\((seconds * 10).rounded() / 10) s"
        if buildTimedOut {
            let limit = DurationText.format(spec.buildTimeout)
            handle(.buildEnded(succeeded: false, detail: "timed out after \(limit) (build_timeout), killed"))
        } else if status.succeeded {
            recordFingerprint()
            handle(.buildEnded(succeeded: true, detail: took))
        } else {
            let last = buildTail.last.map { ": \($0)" } ?? ""
            handle(.buildEnded(succeeded: false, detail: "\(status.description) after \(took)\(last)"))
        }
    }

    /// Writes the fingerprint `berth up` compares (`STATE_DIR/builds/NAME.fingerprint`), before the rollout reads it.
    private func recordFingerprint() {
        guard let build, let buildFingerprint, let buildsDirectory else { return }
        let path = buildsDirectory + "/" + build.identity.stateName + ".fingerprint"
        do {
            try FileManager.default.createDirectory(atPath: buildsDirectory, withIntermediateDirectories: true)
            try (buildFingerprint + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            logger.warning(
                "cannot record the build's fingerprint in \(path): \(error)",
                metadata: ["event": "watch", "service": "\(service)"])
        }
    }
}
