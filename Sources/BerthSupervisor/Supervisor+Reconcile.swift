import BerthSupervisorCore

extension Supervisor {
    /// Brings the project closer to what is wanted after anything changed: starts services whose dependencies are
    /// now met, stops services in reverse dependency order during `down`, drops scaled-away slots once stopped,
    /// answers waiters and records the running processes. Runs from `drainQueue` only, once the queue is empty;
    /// the events it causes are queued.
    func reconcileOnce() {
        for name in services.keys {
            services[name]?.updateAchieved()
        }
        if shuttingDown {
            stopInDependencyOrder()
        } else {
            activateStartable()
        }
        removeRestedSlots()
        removeRemovedServices()
        // What was decided queued events (a service started, slots stop): let them run first, then come back, so that
        // waiters and the gateway judge replicas that are starting, not slots still waiting for their `.start`.
        guard queue.isEmpty else {
            needsReconcile = true
            return
        }
        tellGatewayWhoIsStarting()
        resolveWaiters()
        persistIfNeeded()
    }

    private var achievedByService: [String: Set<DependencyPlanner.Condition>] {
        services.mapValues(\.achieved)
    }

    private func activateStartable() {
        let achieved = achievedByService
        for name in manifest.startOrder where services[name]?.state == .waiting {
            let actions = services[name]?.activate(dependenciesMet: planner.canStart(name, achieved: achieved)) ?? []
            run(actions, service: name)
        }
    }

    /// Makes the slots of an active service match its desired count: new slots start, extra ones stop and go.
    func resize(_ name: String) {
        run(services[name]?.resize() ?? [], service: name)
    }

    private func stopInDependencyOrder() {
        let running = Set(services.filter { !$0.value.isAtRest }.map(\.key))
        for name in planner.stoppable(running: running) {
            stopAll(name)
        }
    }

    /// Sends stop to every slot of a service (idempotent).
    func stopAll(_ name: String) {
        run(services[name]?.stopAll() ?? [], service: name)
    }

    /// Requests to a service with no ready replica wait while one is starting or restarting; the gateway is told
    /// when that changes.
    func tellGatewayWhoIsStarting() {
        guard let traffic else { return }
        for (name, told) in routedStarting {
            // During a rollout a replacement is always on its way (a fixed port stops the old process first).
            let rolling = services[name]?.rollout != nil
            let starting =
                rolling
                || services[name]?.current.contains { slot in
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
        for (name, runtime) in services where runtime.isRemoved && runtime.isAtRest {
            for slot in runtime.slots {
                cancelTimers(service: name, slot: slot.id)
                notifyChecks["\(name).\(slot.id)"] = nil
                logs.forget(service: name, replica: slot.index)
            }
            services[name] = nil
            metrics.serviceRemoved(name)
            if routedStarting[name] != nil, !(manifest.gateway?.routes.contains { $0.service == name } ?? false) {
                routedStarting[name] = nil
            }
            stateDirty = true
        }
    }

    private func removeRestedSlots() {
        let now = clock.now
        for name in services.keys {
            run(services[name]?.removeRestedSlots(at: now) ?? [], service: name)
        }
    }
}
