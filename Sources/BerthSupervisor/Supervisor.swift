#if canImport(Glibc)
import Glibc
#endif

public import BerthLogging
public import BerthManifest
import BerthNotify
import BerthProcess
public import BerthResources
import BerthSupervision
public import Logging

/// Runs a project's services: feeds each replica's state machine with process exits, probe results, timers and
/// commands, and carries out the actions it returns against real processes.
///
/// All bookkeeping happens on this actor; processes, probes and timers report back by calling into it. Lines of
/// output bypass it (see `LogHub`).
public actor Supervisor {
    public struct Configuration: Sendable {
        public var manifest: Manifest
        /// Marks every replica's environment (`BERTH_INSTANCE`) so that leftovers can be found in /proc.
        public var instanceID: String
        /// Where the running processes are recorded (see `LeftoverCleaner`).
        public var stateFile: String?
        /// The environment every replica starts from (the daemon's own), before the manifest's `env`.
        public var baseEnvironment: [String: String]
        /// The variables the last `berth reload` sent for interpolation (empty before one): the values its secrets
        /// interpolated must be masked in output like those of `baseEnvironment`.
        public var reloadEnvironment: [String: String] = [:]
        /// Where `berth up` records the fingerprints of successful builds (`STATE_DIR/builds`).
        public var buildsDirectory: String?
        /// Where replicas that use sd_notify get their `NOTIFY_SOCKET` (nil: a fresh directory under /tmp).
        public var notifyDirectory: String?
        /// Where replicas' cgroups can be made (`limits:`); nil makes none (unit tests, `BERTH_NO_CGROUPS`).
        public var cgroups: CgroupSupport?
        /// Where scheduled jobs' last runs are remembered across daemon restarts (`STATE_DIR/schedule`).
        public var scheduleDirectory: String?

        public init(
            manifest: Manifest, instanceID: String, stateFile: String?, baseEnvironment: [String: String],
            buildsDirectory: String? = nil, notifyDirectory: String? = nil
        ) {
            self.notifyDirectory = notifyDirectory
            self.manifest = manifest
            self.instanceID = instanceID
            self.stateFile = stateFile
            self.baseEnvironment = baseEnvironment
            self.buildsDirectory = buildsDirectory
        }
    }

    struct TimerKey: Hashable {
        var service: String
        var slot: Int
        var timer: ReplicaTimer
    }

    var configuration: Configuration
    let processes: any ProcessControl
    let prober: any ProbeRunning
    let traffic: (any TrafficRouter)?
    /// Services that have gateway routes, with whether the gateway was last told one of their replicas is starting.
    var routedStarting: [String: Bool] = [:]
    public nonisolated let logs: LogHub
    /// Lifecycle events for `GET /v1/events` and the dashboard.
    public nonisolated let events: EventHub
    /// Carries replica lines to the log driver (journald or files); nil keeps them in `logs` only (unit tests).
    public nonisolated let logWriter: LogWriter?
    let logger: Logger
    let metrics: SupervisorMetrics
    var planner: DependencyPlanner
    var services: [String: ServiceRuntime] = [:]
    var timers: [TimerKey: Task<Void, Never>] = [:]
    /// The sd_notify sockets of running replicas, by "service.index".
    var notifyListeners: [String: NotifyListener] = [:]
    var notifyIncarnations: [String: Int] = [:]
    /// Notify messages dropped because of who sent them, per replica slot (logged on the 1st, 10th, 100th, ...).
    var notifyRefused: [String: Int] = [:]
    var waiters: [Int: Waiter] = [:]
    var nextWaiterID = 0
    var shuttingDown = false
    var stateDirty = false
    var persistScheduled = false
    /// When writing the state file started failing (a full disk), until it works again.
    var stateFileFailingSince: ContinuousClock.Instant?
    var stateFileError: String?
    var reconciling = false
    var reconcileAgain = false
    /// The cgroups of running replicas, by `usageKey`, with their OOM counters at spawn.
    var replicaCgroups: [String: ReplicaCgroup] = [:]
    /// Cgroups of exited replicas that still held a process when removed: tried again at each usage sample.
    var leftoverCgroups: [CgroupPlan] = []
    /// The last usage sample of each running replica, by `usageKey`.
    var usage: [String: ReplicaUsage] = [:]
    /// When a replica above its `memory_soft` gets replaced.
    var memorySoft = MemorySoftWatch()
    /// The `schedule:` jobs' machines and wake-up timers (`Supervisor+Schedule`).
    var scheduling = Scheduling()
    /// Delivers `on_failure:` / `on_event:` hooks (`Supervisor+Hooks`).
    var hookDelivery = HookDelivery()
    /// Runs `watch:` (`Supervisor+Watch`).
    var watchDelivery = WatchDelivery()

    public init(
        configuration: Configuration,
        processes: any ProcessControl,
        prober: any ProbeRunning,
        traffic: (any TrafficRouter)? = nil,
        logs: LogHub = LogHub(),
        events: EventHub = EventHub(),
        logWriter: LogWriter? = nil,
        logger: Logger,
        metrics: SupervisorMetrics = SupervisorMetrics()
    ) {
        self.configuration = configuration
        self.processes = processes
        self.prober = prober
        self.traffic = traffic
        self.logs = logs
        self.events = events
        self.logWriter = logWriter
        self.logger = logger
        self.metrics = metrics
        let manifest = configuration.manifest
        self.planner = Self.dependencyPlanner(manifest)
        let routed = Set(manifest.gateway?.routes.map(\.service) ?? [])
        for (name, spec) in manifest.services {
            services[name] = ServiceRuntime(spec: spec, drainBeforeStop: traffic != nil && routed.contains(name))
            services[name]!.revision.builtFingerprint = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
        }
        for name in routed { routedStarting[name] = false }
    }

    var manifest: Manifest { configuration.manifest }

    static func dependencyPlanner(_ manifest: Manifest) -> DependencyPlanner {
        DependencyPlanner(
            dependencies: manifest.services.mapValues { spec in
                spec.dependsOn.mapValues { DependencyPlanner.Condition(rawValue: $0.rawValue) ?? .started }
            }
        )
    }

    /// Starts every service (or those of `only`, which the CLI closed over their dependencies), in dependency
    /// order. The others stay stopped until `berth start` or `berth up NAME` asks for them.
    public func up(only: Set<String>? = nil) {
        for name in services.keys { services[name]?.enabled = only?.contains(name) ?? true }
        startSchedules()
        startHooks()
        startWatches()
        reconcile()
    }

    // MARK: Feeding the state machines

    /// Delivers one event to one replica and carries out what it returns.
    func deliver(_ event: ReplicaEvent, service: String, slot id: Int) {
        guard let position = services[service]?.slotPosition(id) else { return }
        let now = ContinuousClock.now
        let before = services[service]!.slots[position].machine.phase
        let beforeSummary = services[service]!.slots[position].machine.summary
        let restartsBefore = services[service]!.slots[position].machine.restarts
        let beforePID = services[service]!.slots[position].machine.process?.pid
        let actions = services[service]!.slots[position].machine.handle(event, at: now)
        recordMetrics(
            event, service: service, before: before, restartsBefore: restartsBefore,
            slot: services[service]!.slots[position]
        )
        if case .probeResult(let kind, _, false, let detail) = event {
            reportProbeFailure(kind, detail: detail, slot: services[service]!.slots[position], service: service)
        }
        if services[service]!.slots[position].machine.summary != beforeSummary {
            announce(services[service]!.slots[position], service: service, event: event, previousPID: beforePID)
        }
        // Only what the service level can see needs a reconciliation: a new phase, a new summary, or an action
        // beyond the routine probe cycle. A probe that succeeded as before (schedule the next one) changes nothing,
        // and walking every replica of the project for it made each probe cost O(replicas) (bench/scale.sh).
        let changed =
            !services[service]!.slots[position].machine.phase.hasSameOutline(as: before)
            || services[service]!.slots[position].machine.summary != beforeSummary
            || actions.contains { !$0.isRoutine }
        if changed {
            reconcileAgain = true
        }
        execute(actions, service: service, slot: id, reconcileAfter: changed)
        observeReplacement(event, service: service, slot: id)
    }

    /// A failed liveness probe, or a failed readiness probe of a replica that was ready once, is a daemon event;
    /// readiness probes that fail while a replica starts are expected and stay quiet.
    private func reportProbeFailure(_ kind: ProbeKind, detail: String, slot: ReplicaSlot, service: String) {
        guard let process = slot.machine.process, kind == .health || process.everReady else { return }
        let name = kind == .health ? "health" : "ready"
        logEvent("probe_failed", service: service, replica: slot.index, message: "\(name) probe failed: \(detail)",
            level: .warning, pid: process.pid)
    }

    /// Carries out the state machine's actions, in order.
    func execute(_ actions: [ReplicaAction], service: String, slot id: Int, reconcileAfter: Bool) {
        for action in actions {
            switch action {
            case .spawn(let incarnation):
                spawn(service: service, slot: id, incarnation: incarnation)
            case .signalStop(let pid):
                let slot = services[service]?.slots.first { $0.id == id }
                let signal = slot?.revision.spec.stop.signal ?? SIGTERM
                processes.signalGroup(pid, signal)
                // Stopped for failing (a hung replica): what it has not answered, it never will.
                if let traffic, routedStarting[service] != nil, case .stopping(_, let then, _)? = slot?.machine.phase,
                    case .restartAfterFailure = then
                {
                    traffic.replicaDied(service: service, replica: id)
                }
            case .killGroup(let pid):
                processes.signalGroup(pid, SIGKILL)
            case .schedule(let timer, let deadline):
                schedule(TimerKey(service: service, slot: id, timer: timer), at: deadline)
            case .probe(let kind, let incarnation):
                runProbe(kind, incarnation: incarnation, service: service, slot: id)
            case .readinessChanged(let ready):
                // Dependants and waiters are re-evaluated in `reconcile`; the gateway hears it at once.
                guard let traffic, routedStarting[service] != nil else { break }
                if ready, let slot = services[service]?.slots.first(where: { $0.id == id }),
                    let port = slot.port, let process = slot.machine.process
                {
                    traffic.replicaReady(
                        service: service, replica: id, index: slot.index, port: port, generation: process.incarnation)
                } else if !ready {
                    // Say "a replica is starting" first, so that no request sees an empty, hopeless service
                    // between the replica leaving and its replacement being announced.
                    tellGatewayWhoIsStarting()
                    traffic.replicaLeft(service: service, replica: id)
                }
            case .drain(let incarnation):
                drain(service: service, slot: id, incarnation: incarnation)
            }
        }
        // An event that changed nothing (stop while stopping, start while running, a probe cycle) needs no
        // reconciliation; this also keeps `reconcile` -> `stopAll` -> `deliver` from feeding itself.
        if reconcileAfter { reconcile() }
    }

    /// Lets the gateway finish the replica's in-flight requests (bounded by the stop timeout), then stops it.
    private func drain(service: String, slot id: Int, incarnation: Int) {
        let slot = services[service]?.slots.first { $0.id == id }
        guard let traffic, let timeout = slot?.revision.spec.stop.timeout else {
            deliver(.drained(incarnation: incarnation), service: service, slot: id)
            return
        }
        Task { [weak self] in
            await traffic.drain(service: service, replica: id, timeout: timeout)
            await self?.deliver(.drained(incarnation: incarnation), service: service, slot: id)
        }
    }

    func schedule(_ key: TimerKey, at deadline: ContinuousClock.Instant) {
        timers[key]?.cancel()
        timers[key] = Task { [weak self] in
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            await self?.timerFired(key)
        }
    }

    private func timerFired(_ key: TimerKey) {
        timers[key] = nil
        deliver(.timer(key.timer), service: key.service, slot: key.slot)
    }

    func cancelTimers(service: String, slot id: Int) {
        for key in timers.keys where key.service == service && key.slot == id {
            timers.removeValue(forKey: key)?.cancel()
        }
    }

    private func runProbe(_ kind: ProbeKind, incarnation: Int, service: String, slot id: Int) {
        guard let runtime = services[service], let slot = runtime.slots.first(where: { $0.id == id }) else {
            return
        }
        guard let spec = kind == .ready ? slot.revision.readyCheck : slot.revision.spec.health else { return }
        if let process = slot.machine.process,
            let answer = slot.notify.evaluate(spec.check, incarnation: incarnation, startedAt: process.startedAt,
                now: .now)
        {
            // Answered on a later turn, like a real probe, never from inside the actions being carried out.
            Task { [weak self] in
                await self?.deliver(
                    .probeResult(kind, incarnation: incarnation, success: answer.success, detail: answer.detail),
                    service: service, slot: id)
            }
            return
        }
        var execRequest: SpawnRequest?
        if case .exec(let arguments) = spec.check {
            execRequest = spawnRequest(slot.revision.spec, slot: slot, arguments: arguments, captureOutput: false)
        }
        let prober = self.prober
        let port = slot.port
        let metrics = self.metrics
        Task { [weak self] in
            let started = ContinuousClock.now
            let (success, detail) = await prober.probe(spec.check, port: port, exec: execRequest, timeout: spec.timeout)
            metrics.probed(service: service, kind: kind, success: success, duration: ContinuousClock.now - started)
            await self?.deliver(
                .probeResult(kind, incarnation: incarnation, success: success, detail: detail),
                service: service,
                slot: id
            )
        }
    }
}
