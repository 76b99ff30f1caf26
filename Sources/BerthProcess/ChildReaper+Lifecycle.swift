import Glibc

extension ChildReaper {
    /// Forks (through `fork`) and registers the child in one critical section with the drain.
    /// `fork` returns the pid, or nil when no child was created.
    func register(
        launcherID: UInt64,
        openStreams: Int,
        onExit: @escaping ExitHandler,
        onDeath: DeathHandler? = nil,
        fork: () -> Int32?
    ) -> (pid: Int32, childID: UInt64)? {
        let (registered, arm): ((pid: Int32, childID: UInt64)?, Bool) = state.withLock { state in
            guard let pid = fork() else { return (nil, false) }
            let id = state.nextChildID
            state.nextChildID += 1
            state.children[id] = Child(
                launcherID: launcherID, onExit: onExit, onDeath: onDeath, openStreams: openStreams)
            state.childIDByPID[pid] = id
            state.noChildLeft = false
            defer { state.sweepArmed = true }
            return ((pid, id), !state.sweepArmed)
        }
        if arm { armSweep() }
        return registered
    }

    /// The exec outcome is known (nil: the child exec'd): its exit will be reported (now, if it was already reaped).
    func execReported(childID id: UInt64, failure: SpawnError?) {
        follow(state.withLock { $0.execReported(id, failure: failure) }, childID: id)
    }

    /// Reports an exit or arms its output grace, as `afterExit` decided.
    func follow(_ next: State.AfterExit, childID id: UInt64) {
        switch next {
        case .none: break
        case .report(let handler, let exit): report([(handler, exit)], awaitingOutput: [])
        case .awaitOutput: report([], awaitingOutput: [id])
        }
    }

    /// Called by the pump after a stream of the child has been delivered up to EOF.
    func streamClosed(childID id: UInt64) {
        if let (onExit, exit) = state.withLock({ $0.closeStream(id) }) {
            onExit(exit)
        }
    }

    /// A descendant still holds the child's pipe: report the exit now, keep delivering lines until EOF.
    func outputGraceEnded(_ id: UInt64) {
        let handler: (ExitHandler, ExitStatus)? = state.withLock { state in
            guard var child = state.children[id], let exit = child.reportableExit, !child.exitDelivered else {
                return nil
            }
            child.exitDelivered = true
            state.children[id] = child
            return (child.onExit, exit)
        }
        if let (onExit, exit) = handler {
            onExit(exit)
        }
    }
}

extension ChildReaper.State {
    mutating func execReported(_ id: UInt64, failure: SpawnError?) -> AfterExit {
        guard var child = children[id] else { return .none }
        child.phase = failure.map { .execFailed($0) } ?? .running
        children[id] = child
        return afterExit(id, child)
    }

    /// Whether a drain was put off until an exec report (`drainAfterExec`), cleared.
    mutating func takeDrainAfterExec() -> Bool {
        defer { drainAfterExec = false }
        return drainAfterExec
    }

    /// The child's `onDeath`, taken once, if it exec'd and was not reaped yet.
    mutating func takeDeathHandler(_ id: UInt64) -> ChildReaper.DeathHandler? {
        guard var child = children[id], case .running = child.phase, child.status == nil,
            let onDeath = child.onDeath
        else { return nil }
        child.onDeath = nil
        children[id] = child
        return onDeath
    }

    /// One of the child's streams reached EOF: the exit to report if that was the last one and the child was reaped.
    mutating func closeStream(_ id: UInt64) -> (ChildReaper.ExitHandler, ExitStatus)? {
        guard var child = children[id] else { return nil }
        child.openStreams -= 1
        guard child.openStreams == 0, let exit = child.reportableExit else {
            children[id] = child
            return nil
        }
        children[id] = nil
        return child.exitDelivered ? nil : (child.onExit, exit)
    }
}
