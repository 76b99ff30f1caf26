import Glibc

extension ChildReaper {
    /// Forks (through `fork`) and registers the child in one critical section with the drain.
    /// `fork` returns the pid, or nil when no child was created.
    func register(
        launcherID: UInt64,
        openStreams: Int,
        onExit: @escaping ExitHandler,
        fork: () -> Int32?
    ) -> (pid: Int32, childID: UInt64)? {
        state.withLock { state in
            guard let pid = fork() else { return nil }
            let id = state.nextChildID
            state.nextChildID += 1
            state.children[id] = Child(launcherID: launcherID, onExit: onExit, openStreams: openStreams)
            state.childIDByPID[pid] = id
            return (pid, id)
        }
    }

    /// The exec outcome is known (nil: the child exec'd): its exit will be reported (now, if it was already reaped).
    func execReported(childID id: UInt64, failure: SpawnError?) {
        let next: State.AfterExit = state.withLock { state in
            guard var child = state.children[id] else { return .none }
            child.phase = failure.map { .execFailed($0) } ?? .running
            state.children[id] = child
            return state.afterExit(id, child)
        }
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
