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
        removeRemovedServices()
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
            if let position = services[name]!.servingPosition(index: index) {
                services[name]!.slots[position].removing = false
                if services[name]!.slots[position].machine.phase == .stopped, !services[name]!.slots[position].held {
                    deliver(.start, service: name, slot: services[name]!.slots[position].id)
                }
            } else if services[name]!.incomingPosition(index: index) == nil {
                deliver(.start, service: name, slot: addSlot(name, index: index, revision: runtime.revision))
            }
        }
        for slot in runtime.slots where slot.index >= runtime.desired && !slot.retired {
            if let position = services[name]!.slotPosition(slot.id) {
                services[name]!.slots[position].removing = true
            }
            deliver(.stop, service: name, slot: slot.id)
        }
    }

    /// Adds a slot for replica `index` running `revision` (a base port gives base+index; `port: auto` picks one at
    /// spawn); returns its id.
    func addSlot(_ name: String, index: Int, revision: ServiceRevision, incoming: Bool = false) -> Int {
        let port: Int? =
            switch revision.spec.port {
            case .none, .auto: nil
            case .base(let base): base + index
            }
        let id = services[name]!.allocateSlotID()
        var slot = ReplicaSlot(id: id, index: index, revision: revision, port: port)
        slot.incoming = incoming
        services[name]!.slots.append(slot)
        services[name]!.slots.sort { ($0.index, $0.id) < ($1.index, $1.id) }
        return id
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
            deliver(.stop, service: name, slot: slot.id)
        }
    }

    /// Requests to a service with no ready replica wait while one is starting or restarting; the gateway is told
    /// when that changes.
    func tellGatewayWhoIsStarting() {
        guard let traffic else { return }
        for (name, told) in routedStarting {
            // During a rollout a replacement is always on its way (a fixed port stops the old process first).
            let rolling = services[name]?.rollout != nil
            let starting = rolling || services[name]?.current.contains { slot in
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

    /// Services gone from the manifest leave once all their replicas are at rest.
    private func removeRemovedServices() {
        for name in services.keys where services[name]!.removed && services[name]!.isAtRest {
            for slot in services[name]!.slots {
                cancelTimers(service: name, slot: slot.id)
                logs.forget(service: name, replica: slot.index)
            }
            services[name] = nil
            if routedStarting[name] != nil, !(manifest.gateway?.routes.contains { $0.service == name } ?? false) {
                routedStarting[name] = nil
            }
            stateDirty = true
        }
    }

    private func removeRestedSlots() {
        for name in services.keys {
            guard services[name]!.slots.contains(where: { $0.removing && $0.machine.isAtRest }) else { continue }
            let gone = services[name]!.slots.filter { $0.removing && $0.machine.isAtRest }
            services[name]!.slots.removeAll { $0.removing && $0.machine.isAtRest }
            for slot in gone {
                cancelTimers(service: name, slot: slot.id)
                if !services[name]!.slots.contains(where: { $0.index == slot.index }) {
                    logs.forget(service: name, replica: slot.index)
                }
            }
            stateDirty = true
            for slot in gone where slot.retired {
                rolloutEvent(.stopped(slot.index), service: name)
            }
        }
    }
}
