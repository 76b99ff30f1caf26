import BerthSupervision

extension Supervisor {
    /// Brings the project closer to what is wanted after anything changed: starts services whose dependencies are
    /// now met, stops services in reverse dependency order during `down`, drops scaled-away slots once stopped,
    /// answers waiters and records the running processes.
    func reconcile() {
        guard !reconciling else {
            reconcileAgain = true
            return
        }
        reconciling = true
        defer { reconciling = false }
        repeat {
            reconcileAgain = false
            reconcileOnce()
        } while reconcileAgain
    }

    private func reconcileOnce() {
        for name in services.keys {
            services[name]!.updateAchieved()
        }
        if shuttingDown {
            stopInDependencyOrder()
        } else {
            activateStartable()
        }
        removeRestedSlots()
        tellGatewayWhoIsStarting()
        resolveWaiters()
        persistIfNeeded()
    }

    private var achievedByService: [String: Set<DependencyPlanner.Condition>] {
        services.mapValues(\.achieved)
    }

    private func activateStartable() {
        let achieved = achievedByService
        for name in manifest.startOrder {
            guard let runtime = services[name], runtime.enabled, !runtime.active,
                planner.canStart(name, achieved: achieved)
            else { continue }
            services[name]!.active = true
            resize(name)
        }
    }

    /// Makes the slots of an active service match its desired count: new slots start, extra ones stop and go.
    func resize(_ name: String) {
        guard let runtime = services[name], runtime.active else { return }
        for index in 0..<runtime.desired {
            if let position = services[name]!.slotPosition(index) {
                services[name]!.slots[position].removing = false
                if services[name]!.slots[position].machine.phase == .stopped {
                    deliver(.start, service: name, index: index)
                }
            } else {
                let port: Int? =
                    switch runtime.spec.port {
                    case .none, .auto: nil
                    case .base(let base): base + index
                    }
                services[name]!.slots.append(ReplicaSlot(index: index, policy: runtime.policy, port: port))
                services[name]!.slots.sort { $0.index < $1.index }
                deliver(.start, service: name, index: index)
            }
        }
        for slot in runtime.slots where slot.index >= runtime.desired {
            if let position = services[name]!.slotPosition(slot.index) {
                services[name]!.slots[position].removing = true
            }
            deliver(.stop, service: name, index: slot.index)
        }
    }

    private func stopInDependencyOrder() {
        let running = Set(services.filter { !$0.value.isAtRest }.map(\.key))
        for name in planner.stoppable(running: running) {
            stopAll(name)
        }
    }

    /// Sends stop to every slot of a service (idempotent).
    func stopAll(_ name: String) {
        guard let slots = services[name]?.slots else { return }
        for slot in slots where !slot.machine.isAtRest {
            if case .stopping(_, .stay, _) = slot.machine.phase { continue }
            deliver(.stop, service: name, index: slot.index)
        }
    }

    /// Requests to a service with no ready replica wait while one is starting or restarting; the gateway is told
    /// when that changes.
    func tellGatewayWhoIsStarting() {
        guard let traffic else { return }
        for (name, told) in routedStarting {
            let starting = services[name]?.current.contains { slot in
                switch slot.machine.phase {
                case .spawning, .backoff: true
                case .running(let process): !process.ready
                case .stopping(_, let then, _), .draining(_, let then): then != .stay
                case .stopped, .failed, .completed: false
                }
            } ?? false
            if starting != told {
                routedStarting[name] = starting
                traffic.setStarting(service: name, starting)
            }
        }
    }

    private func removeRestedSlots() {
        for name in services.keys {
            let gone = services[name]!.slots.filter { $0.removing && $0.machine.isAtRest }
            guard !gone.isEmpty else { continue }
            services[name]!.slots.removeAll { $0.removing && $0.machine.isAtRest }
            for slot in gone {
                cancelTimers(service: name, index: slot.index)
                logs.forget(service: name, replica: slot.index)
            }
            stateDirty = true
        }
    }
}
