public import BerthLogging
public import BerthManifest
import BerthNotify
import BerthProcess
public import BerthResources
import BerthSupervisorCore
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

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
        /// `berth up --watch`: every service with `watch:` is watched, not only those with `enabled: true`.
        public var watchRequested = false
        /// How `berth reload` reads the edited manifest (`berth resolve`; berthd parses no YAML); nil refuses reloads.
        public var manifestResolver: ManifestResolver?

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
    /// Where exits, notify messages, probe results and drains come in (see `SupervisorInput`).
    nonisolated let inputs: AsyncStream<SupervisorInput>.Continuation
    /// HTTP and TCP probe results, delivered in batches (see `ProbeInbox`).
    nonisolated let probeInbox = ProbeInbox()
    /// Probes repeating on the epoll thread while their successes change nothing (see `ProbeChain`).
    var probeChains: [ProbeChain.Key: ProbeChain] = [:]
    let logger: Logger
    let metrics: SupervisorMetrics
    var planner: DependencyPlanner
    var services: [String: ServiceRuntime] = [:]
    /// Every pending timer (replicas', rollouts', waiters' timeouts), waited for by one task (see `Supervisor+Timers`).
    var timers = DeadlineQueue<SupervisorTimer>()
    var timerSleeper: Task<Void, Never>?
    /// When `timerSleeper` wakes, and which arming it is (a replaced sleeper may still call in).
    var timerWake: ContinuousClock.Instant?
    var timerGeneration = 0
    /// Due timers are being fired: timers armed meanwhile are picked up when that ends.
    var firingTimers = false
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
    /// Replica events waiting to be fed, in order (see `drainQueue`).
    var queue: [QueuedWork] = []
    var drainingQueue = false
    /// Something changed since the last reconciliation.
    var needsReconcile = false
    /// Each replica slot's prepared replacement, by "service.slot" (see `RestartHandoff`).
    var restartHandoffs: [String: RestartHandoff] = [:]
    /// What replicas said over sd_notify, by "service.slot".
    var notifyChecks: [String: NotifyChecks] = [:]
    /// What the supervisor's timers, uptimes and deadlines read: the continuous clock, or a test's.
    let clock: any SupervisorClock
    /// The cgroups of running replicas, by `usageKey`, with their OOM counters at spawn.
    var replicaCgroups: [String: ReplicaCgroup] = [:]
    /// Cgroups of exited replicas that still held a process when removed: tried again at each usage sample.
    var leftoverCgroups: [CgroupPlan] = []
    /// The last usage sample of each running replica, by `usageKey`.
    var usage: [String: ReplicaUsage] = [:]
    /// Signalled when a replica's process starts or goes: the usage sampler, asleep between passes, then samples the
    /// new set at once rather than looking every second.
    let replicaSetChanged = Wakeup()
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
        metrics: SupervisorMetrics = SupervisorMetrics(),
        clock: any SupervisorClock = ContinuousSupervisorClock()
    ) {
        self.clock = clock
        let (inputStream, inputs) = AsyncStream<SupervisorInput>.makeStream()
        self.inputs = inputs
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
            var runtime = ServiceRuntime(
                spec: spec, drainBeforeStop: traffic != nil && routed.contains(name), state: .waiting)
            runtime.revision.builtFingerprint = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
            services[name] = runtime
        }
        for name in routed { routedStarting[name] = false }
        Self.consumeInputs(inputStream, of: self)
    }

    deinit {
        inputs.finish()
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
        for name in services.keys {
            if only?.contains(name) ?? true { services[name]?.want() } else { services[name]?.unwant() }
        }
        startSchedules()
        startHooks()
        startWatches()
        reconcile()
    }

    // MARK: Feeding the state machines

    /// Queues one event for one replica and, unless the queue is being drained already, drains it.
    func deliver(_ event: ReplicaEvent, service: String, slot id: Int) {
        queue.append(.replica(event, service: service, slot: id))
        drainQueue()
    }

    /// Carries out a service machine's actions: events for replicas join the queue, the rest happens now.
    func run(_ actions: [ServiceRuntime.Action], service: String) {
        guard !actions.isEmpty else { return }
        for action in actions {
            switch action {
            case .deliver(let event, let slot):
                queue.append(.replica(event, service: service, slot: slot))
            case .slotRemoved(let slot, let index, let lastOfIndex):
                cancelTimers(service: service, slot: slot)
                notifyChecks["\(service).\(slot)"] = nil
                restartHandoffs.removeValue(forKey: "\(service).\(slot)")?.withdraw()
                if lastOfIndex { logs.forget(service: service, replica: index) }
                replicaSetChanged.signal()
                stateDirty = true
                needsReconcile = true
            case .scheduleRolloutTick(let deadline):
                scheduleRolloutTick(service: service, at: deadline)
            case .rolloutFinished(let outcome, let generation, let failure):
                rolloutFinished(service, outcome: outcome, generation: generation, failure: failure)
                // What waiters and dependants see changed; a quiet service may have no replica event to come.
                needsReconcile = true
            }
        }
        // Events are judged by what they change when they are handled (an idempotent stop changes nothing).
        drainQueue()
    }

    /// Asks for a reconciliation (see `reconcileOnce`) and runs it, unless the queue is being drained: then it runs
    /// once the queue is empty.
    func reconcile() {
        needsReconcile = true
        drainQueue()
    }

    /// The one loop that feeds the state machines: events wait in `queue` in order, actions that cause events add to
    /// it, and a reconciliation runs whenever the queue is empty and something changed. Nothing re-enters: a call
    /// made while the loop runs only queues its work.
    func drainQueue() {
        guard !drainingQueue else { return }
        drainingQueue = true
        defer { drainingQueue = false }
        var next = 0
        while true {
            if next < queue.count {
                let work = queue[next]
                next += 1
                switch work {
                case .replica(let event, let service, let slot):
                    handle(event, service: service, slot: slot)
                }
                continue
            }
            queue.removeAll(keepingCapacity: true)
            next = 0
            guard needsReconcile else { break }
            needsReconcile = false
            reconcileOnce()
        }
    }

    /// Answers a replica's spawn request at once, before any queued event reaches it (its machine requires it).
    func answerSpawn(_ event: ReplicaEvent, service: String, slot id: Int) {
        handle(event, service: service, slot: id)
    }

    /// Feeds one event to one replica and carries out what it returns.
    private func handle(_ event: ReplicaEvent, service: String, slot id: Int) {
        guard let before = services[service]?.slot(id)?.machine,
            let actions = services[service]?.handle(event, slot: id, at: clock.now),
            let slot = services[service]?.slot(id)
        else { return }
        recordMetrics(event, service: service, before: before.phase, restartsBefore: before.restarts, slot: slot)
        if case .probeResult(let kind, _, false, let detail) = event {
            reportProbeFailure(kind, detail: detail, slot: slot, service: service)
        }
        if slot.machine.summary != before.summary {
            announce(slot, service: service, event: event, previousPID: before.process?.pid)
        }
        if slot.machine.process?.pid != before.process?.pid { replicaSetChanged.signal() }
        if !slot.machine.phase.hasSameOutline(as: before.phase) || slot.machine.summary != before.summary {
            followRestartPrediction(service: service, slot: id)
        }
        // A steady probe repeating on the epoll thread belongs to one running incarnation.
        if !slot.machine.phase.hasSameOutline(as: before.phase) {
            cancelProbeChains(service: service, slot: id, keeping: slot.machine)
        }
        // Only what the service level can see needs a reconciliation: a new phase, a new summary, or an action
        // beyond the routine probe cycle. A probe that succeeded as before (schedule the next one) changes nothing,
        // and walking every replica of the project for it made each probe cost O(replicas) (bench/scale.sh).
        if !slot.machine.phase.hasSameOutline(as: before.phase) || slot.machine.summary != before.summary
            || actions.contains(where: { !$0.isRoutine })
        {
            needsReconcile = true
        }
        execute(actions, service: service, slot: id)
        run(services[service]?.observeReplacement(event, slot: id, at: clock.now) ?? [], service: service)
    }

    /// A failed liveness probe, or a failed readiness probe of a replica that was ready once, is a daemon event;
    /// readiness probes that fail while a replica starts are expected and stay quiet.
    private func reportProbeFailure(_ kind: ProbeKind, detail: String, slot: ReplicaSlot, service: String) {
        guard let process = slot.machine.process, kind == .health || process.everReady else { return }
        let name = kind == .health ? "health" : "ready"
        logEvent(
            "probe_failed", service: service, replica: slot.index, message: "\(name) probe failed: \(detail)",
            level: .warning, pid: process.pid)
    }

    /// Carries out the state machine's actions, in order.
    func execute(_ actions: [ReplicaAction], service: String, slot id: Int) {
        for action in actions {
            switch action {
            case .spawn(let incarnation):
                spawn(service: service, slot: id, incarnation: incarnation)
            case .signalStop(let pid):
                let signal = services[service]?.slot(id)?.revision.spec.stop.signal ?? SIGTERM
                processes.signalGroup(pid, signal)
            case .hung:
                // Stopped for failing: what it has not answered, it never will.
                if let traffic, routedStarting[service] != nil {
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
                if ready, let slot = services[service]?.slot(id), let port = slot.port,
                    let process = slot.machine.process
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
    }

    /// Lets the gateway finish the replica's in-flight requests (bounded by the stop timeout), then stops it.
    private func drain(service: String, slot id: Int, incarnation: Int) {
        guard let traffic, let timeout = services[service]?.slot(id)?.revision.spec.stop.timeout else {
            deliver(.drained(incarnation: incarnation), service: service, slot: id)
            return
        }
        let inputs = self.inputs
        inputs.yield(
            .child {
                await traffic.drain(service: service, replica: id, timeout: timeout)
                inputs.yield(.event(.drained(incarnation: incarnation), service: service, slot: id))
            })
    }

    private func runProbe(_ kind: ProbeKind, incarnation: Int, service: String, slot id: Int) {
        guard let slot = services[service]?.slot(id) else { return }
        guard let spec = kind == .ready ? slot.revision.readyCheck : slot.revision.spec.health else { return }
        // Only sd_notify checks are answered here (no key string is built for the probes of every other check).
        if spec.check.isAnsweredFromNotify, let process = slot.machine.process,
            let answer = (notifyChecks["\(service).\(id)"] ?? NotifyChecks()).evaluate(
                spec.check, incarnation: incarnation, startedAt: process.startedAt, now: clock.now)
        {
            // Answered on a later turn, like a real probe, never from inside the actions being carried out.
            inputs.yield(
                .event(
                    .probeResult(kind, incarnation: incarnation, success: answer.success, detail: answer.detail),
                    service: service, slot: id))
            return
        }
        let execRequest: SpawnRequest? =
            if case .exec(let arguments) = spec.check {
                spawnRequest(slot.revision.spec, slot: slot, arguments: arguments, captureOutput: false)
            } else {
                nil
            }
        let prober = self.prober
        let port = slot.port
        if startProbeChain(kind, incarnation: incarnation, spec: spec, port: port, service: service, slot: id) {
            return
        }
        let metrics = self.metrics
        let inputs = self.inputs
        let inbox = self.probeInbox
        let started = ContinuousClock.now
        let startedWithoutTask = prober.start(spec, port: port) { success, detail in
            metrics.probed(service: service, kind: kind, success: success, duration: ContinuousClock.now - started)
            let result = ProbeInbox.Result(
                kind: kind, incarnation: incarnation, success: success, detail: detail, service: service, slot: id)
            if inbox.post(result) { inputs.yield(.probeResults) }
        }
        guard !startedWithoutTask else { return }
        inputs.yield(
            .child {
                let started = ContinuousClock.now
                let (success, detail) = await prober.probe(
                    spec.check, port: port, exec: execRequest, timeout: spec.timeout)
                metrics.probed(service: service, kind: kind, success: success, duration: ContinuousClock.now - started)
                inputs.yield(
                    .event(
                        .probeResult(kind, incarnation: incarnation, success: success, detail: detail),
                        service: service, slot: id))
            })
    }
}
