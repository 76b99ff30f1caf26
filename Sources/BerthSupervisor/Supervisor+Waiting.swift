public import BerthControlProtocol
import BerthSupervisorCore

/// What an operation waits for before it answers.
enum Goal: Sendable, Equatable {
    /// Every replica of these services ready (or completed, for one-shot jobs), and no extra replicas left.
    case ready(Set<String>)
    /// Every replica of these services at rest (stopped, failed or completed).
    case stopped(Set<String>)
    /// Every one of these goals.
    indirect case all([Goal])
    /// The service's rollout finished and its replicas are ready; impossible once it was rolled back.
    case rolledOut(String)
    /// This replica of the service is ready (or completed); impossible once it failed or stopped.
    case replicaReady(String, Int)
    /// This replica of the service is at rest.
    case replicaStopped(String, Int)
    /// These slots of the service (one run of a scheduled job) are at rest, or gone.
    case slotsAtRest(String, Set<Int>)
}

/// An operation waiting for its goal, answered from `reconcile` or by its timeout.
struct Waiter {
    var goal: Goal
    var continuation: CheckedContinuation<OperationResponse, Never>
    var timeout: Duration?
    var success: String
}

enum GoalProgress {
    case met
    case pending
    /// Cannot be met without a new command (a replica failed, a dependency failed or is stopped).
    case impossible([NotReady])
}

extension Supervisor {
    /// Waits until every service reached its target after `up`: all ready, or not to be met without a new command
    /// (a replica failed). `ok` tells which.
    public func waitUntilSettled() async -> OperationResponse {
        await wait(for: .ready(Set(services.keys)), timeout: nil, success: "up")
    }

    /// Whether every service reached its target after `up` (all ready, or failed for good): when systemd hears
    /// `READY=1`.
    public func hasSettled() -> Bool {
        switch evaluate(.ready(Set(services.keys))) {
        case .met, .impossible: true
        case .pending: false
        }
    }

    /// Waits until `goal` is met, cannot be met, or `timeout` passes; answers with what is not there yet.
    func wait(for goal: Goal, timeout: Duration?, success: String) async -> OperationResponse {
        switch evaluate(goal) {
        case .met:
            return OperationResponse(ok: true, message: success, status: status())
        case .impossible(let reasons):
            return OperationResponse(ok: false, message: "cannot complete", notReady: reasons, status: status())
        case .pending:
            break
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return await withCheckedContinuation { continuation in
            if let timeout {
                let deadline = clock.now + timeout
                arm(.waiterTimeout(id: id), at: deadline)
            }
            waiters[id] = Waiter(goal: goal, continuation: continuation, timeout: timeout, success: success)
        }
    }

    func timeOut(waiter id: Int) {
        guard let waiter = waiters.removeValue(forKey: id), let timeout = waiter.timeout else { return }
        let message = "timed out after \(DurationFormat.short(timeout))"
        waiter.continuation.resume(
            returning: OperationResponse(
                ok: false, message: message, notReady: notReady(waiter.goal), status: status()
            )
        )
    }

    func resolveWaiters() {
        for (id, waiter) in waiters {
            let answer: OperationResponse
            switch evaluate(waiter.goal) {
            case .pending:
                continue
            case .met:
                answer = OperationResponse(ok: true, message: waiter.success, status: status())
            case .impossible(let reasons):
                answer = OperationResponse(ok: false, message: "cannot complete", notReady: reasons, status: status())
            }
            waiters[id] = nil
            timers.remove(.waiterTimeout(id: id))
            waiter.continuation.resume(returning: answer)
        }
    }

    /// Answers every waiter (daemon shutdown).
    func failAllWaiters(_ message: String) {
        for (id, waiter) in waiters {
            timers.remove(.waiterTimeout(id: id))
            waiter.continuation.resume(returning: OperationResponse(ok: false, message: message))
        }
        waiters.removeAll()
    }

    func evaluate(_ goal: Goal) -> GoalProgress {
        switch goal {
        case .all(let goals):
            var reasons: [NotReady] = []
            var pending = false
            for goal in goals {
                switch evaluate(goal) {
                case .met: break
                case .pending: pending = true
                case .impossible(let more): reasons += more
                }
            }
            if !reasons.isEmpty { return .impossible(reasons) }
            return pending ? .pending : .met
        case .rolledOut(let name):
            guard let runtime = services[name] else { return .met }
            if runtime.rollout != nil { return .pending }
            if let failure = runtime.lastRolloutFailure {
                return .impossible([NotReady(service: name, replica: nil, state: nil, reason: failure)])
            }
            return evaluate(.ready([name]))
        case .stopped(let names):
            return names.allSatisfy { services[$0]?.isAtRest ?? true } ? .met : .pending
        case .replicaStopped(let name, let index):
            let slots = services[name]?.slots.filter { $0.index == index } ?? []
            return slots.allSatisfy(\.machine.isAtRest) ? .met : .pending
        case .slotsAtRest(let name, let ids):
            return services[name]?.areAtRest(ids) ?? true ? .met : .pending
        case .replicaReady(let name, let index):
            guard let slot = services[name]?.serving(index: index) else {
                return .impossible([NotReady(service: name, replica: index, state: nil, reason: "no such replica")])
            }
            switch slot.machine.phase {
            case .running(let process) where process.ready: return .met
            case .completed: return .met
            case .failed(let reason): return .impossible([notReady(name, slot, reason: reason)])
            case .stopped: return .impossible([notReady(name, slot, reason: "stopped")])
            case .running, .spawning, .draining, .stopping, .backoff: return .pending
            }
        case .ready(let names):
            var blocked: [NotReady] = []
            var pending = false
            for name in names.sorted() {
                guard let runtime = services[name] else { continue }
                // A scheduled job runs on its own time: neither "stopped" while it waits nor "failed" after a run
                // that failed (its next run may succeed).
                if isScheduled(name) { continue }
                if !runtime.isWanted {
                    blocked.append(NotReady(service: name, replica: nil, state: nil, reason: "service is stopped"))
                    continue
                }
                if !runtime.isActive {
                    if let failed = failedDependency(of: name) {
                        blocked.append(NotReady(service: name, replica: nil, state: nil, reason: failed))
                    } else {
                        pending = true
                    }
                    continue
                }
                if runtime.slots.count != runtime.desired { pending = true }
                for slot in runtime.current {
                    switch slot.machine.phase {
                    case .failed(let reason):
                        blocked.append(notReady(name, slot, reason: reason))
                    case .running(let process) where process.ready:
                        break
                    case .completed:
                        break
                    case .stopped where slot.isHeld:
                        break
                    case .stopped:
                        blocked.append(notReady(name, slot, reason: "stopped"))
                    case .running, .spawning, .draining, .stopping, .backoff:
                        pending = !slot.isHeld || pending
                    }
                }
            }
            if !blocked.isEmpty { return .impossible(blocked) }
            return pending ? .pending : .met
        }
    }

    /// Why a waiting service can never start without a command, if that is the case.
    private func failedDependency(of name: String) -> String? {
        let achieved = services.mapValues(\.achieved)
        for (dependency, condition) in planner.unmet(name, achieved: achieved) {
            guard let runtime = services[dependency] else { continue }
            if !runtime.isWanted {
                return "waiting for \(dependency) (\(condition.rawValue)), which is stopped"
            }
            if runtime.current.contains(where: { if case .failed = $0.machine.phase { true } else { false } }) {
                return "waiting for \(dependency) (\(condition.rawValue)), which failed"
            }
            if condition == .completed, runtime.current.contains(where: { $0.machine.phase == .stopped }) {
                return "waiting for \(dependency) (completed), which stopped without completing"
            }
            if let reason = failedDependency(of: dependency) {
                return "waiting for \(dependency): \(reason)"
            }
        }
        return nil
    }

    /// Every replica (or waiting service) of the goal that is not where the goal wants it, with why.
    func notReady(_ goal: Goal) -> [NotReady] {
        switch goal {
        case .all(let goals):
            return goals.flatMap { notReady($0) }
        case .rolledOut(let name):
            if let progress = services[name]?.rolloutProgress {
                return [NotReady(service: name, replica: nil, state: nil, reason: "rollout: \(progress)")]
            }
            return notReady(.ready([name]))
        case .stopped(let names):
            return names.sorted().flatMap { name in
                (services[name]?.slots ?? []).filter { !$0.machine.isAtRest }.map {
                    notReady(name, $0, reason: "still \($0.machine.displayState.rawValue)")
                }
            }
        case .replicaStopped(let name, let index):
            return (services[name]?.slots ?? []).filter { $0.index == index && !$0.machine.isAtRest }.map {
                notReady(name, $0, reason: "still \($0.machine.displayState.rawValue)")
            }
        case .slotsAtRest(let name, let ids):
            return (services[name]?.slots ?? []).filter { ids.contains($0.id) && !$0.machine.isAtRest }.map {
                notReady(name, $0, reason: "still \($0.machine.displayState.rawValue)")
            }
        case .replicaReady(let name, let index):
            return (services[name]?.slots ?? []).filter { $0.index == index && !$0.machine.isReady }.map {
                notReady(name, $0, reason: explain($0))
            }
        case .ready(let names):
            var result: [NotReady] = []
            let achieved = services.mapValues(\.achieved)
            for name in names.sorted() {
                guard let runtime = services[name] else { continue }
                if !runtime.isActive {
                    let unmet = planner.unmet(name, achieved: achieved).map {
                        "\($0.service) (\($0.condition.rawValue))"
                    }
                    let reason = failedDependency(of: name) ?? "waiting for \(unmet.joined(separator: ", "))"
                    result.append(NotReady(service: name, replica: nil, state: nil, reason: reason))
                    continue
                }
                for slot in runtime.slots where !slot.isHeld {
                    if slot.role.isLeaving {
                        result.append(notReady(name, slot, reason: "scaled away, still stopping"))
                    } else if !slot.machine.isReady, slot.machine.phase != .completed {
                        result.append(notReady(name, slot, reason: explain(slot)))
                    }
                }
            }
            return result
        }
    }

    private func notReady(_ service: String, _ slot: ReplicaSlot, reason: String) -> NotReady {
        NotReady(
            service: service,
            replica: slot.index,
            state: ReplicaStateName(rawValue: slot.machine.displayState.rawValue),
            reason: reason
        )
    }

    /// A one-line reason a replica is not ready.
    func explain(_ slot: ReplicaSlot) -> String {
        let machine = slot.machine
        switch machine.phase {
        case .failed(let reason): return reason
        case .backoff: return "restarting after: \(machine.reason ?? machine.lastExit?.description ?? "a failure")"
        case .running:
            return machine.readinessFailure.map { "readiness check failing: \($0)" }
                ?? "readiness check not passing yet"
        case .spawning: return "starting"
        case .draining: return "draining its in-flight requests"
        case .stopping: return "stopping"
        case .stopped: return "stopped"
        case .completed: return "completed"
        }
    }
}

/// Short human durations for messages: 250ms, 2s, 1m30s.
enum DurationFormat {
    static func short(_ duration: Duration) -> String {
        let milliseconds = Int((duration.seconds * 1000).rounded())
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 { return milliseconds % 1000 == 0 ? "\(seconds)s" : "\(Double(milliseconds) / 1000)s" }
        return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds / 60)m\(seconds % 60)s"
    }
}
