import BerthSystem
import CBerthShim
import Glibc

/// Hears one child's exit on the pump's epoll thread through a pidfd, so that kill -9 → replacement does not wait
/// for SIGCHLD's route (the daemon's signal handler, libdispatch's signal thread, then a reaper-queue worker: three
/// thread wake-ups, each a wait for a core on a busy machine; issue 16 asks for 2 ms). The child's `onDeath` runs
/// first, from the exit status read without reaping (`waitid(P_PIDFD, WNOWAIT)`): the reap and the output's EOF come
/// after it.
final class ExitWatch: ReadinessHandler {
    let reaper: ChildReaper
    let childID: UInt64
    let pidfd: Int32

    init(reaper: ChildReaper, childID: UInt64, pidfd: Int32) {
        self.reaper = reaper
        self.childID = childID
        self.pidfd = pidfd
    }

    func ready() -> WatchNext {
        if reaper.deathOnPump(childID: childID, pidfd: pidfd) {
            reaper.drainAfterExec()
        } else {
            reaper.drainOnPump()
        }
        return .done
    }

    func timedOut() {}
}

extension ChildReaper {
    /// Watches a child's pidfd (opened under the reaper's lock right after the fork, so it is that child's) on the
    /// pump. Without one (-1), the pump's frequent drain reports the exit.
    func watchExit(_ pidfd: Int32, pid: Int32, childID: UInt64) {
        guard pidfd >= 0 else {
            watchWithoutPidfd(pid: pid)
            return
        }
        do {
            _ = try pump.watch(
                pidfd, for: .read, deadline: nil, handler: ExitWatch(reaper: self, childID: childID, pidfd: pidfd))
        } catch {
            watchWithoutPidfd(pid: pid)  // the pump closed the pidfd
        }
    }

    /// On the pump's thread, when the pidfd polls readable: the child's `onDeath` with its exit status, if it has one
    /// and the lock is free (a fork holding it must not stall the pump: the exit is then reported at the reap alone).
    /// True when `onDeath` started a process.
    func deathOnPump(childID id: UInt64, pidfd: Int32) -> Bool {
        var status: Int32 = 0
        guard berth_pidfd_peek_exit(pidfd, &status) == 1,
            let onDeath = state.withLockIfAvailable({ $0.takeDeathHandler(id) }) ?? nil
        else { return false }
        return onDeath(ExitStatus(waitStatus: status))
    }

    /// After `onDeath` started a replacement on the pump: the reap waits for the next exec report (the new child's,
    /// normally well under a millisecond), at most 50 ms. Reaping right after the clone (`wait4`'s `release_task`,
    /// then the old pipes' EOF) kept the pump on its core for tens of microseconds while the new child, when the
    /// scheduler put it there, waited to run (issue 16).
    func drainAfterExec() {
        state.withLock { $0.drainAfterExec = true }
        pump.after(.now + .milliseconds(50)) { [self] in
            if state.withLock({ $0.takeDrainAfterExec() }) { drainOnPump() }
        }
    }

    /// On the pump's thread: reaps now if the lock is free; a fork holding it must not stall the pump, so the drain
    /// then goes to the reaper's queue.
    func drainOnPump() {
        if let (ready, waitingForOutput) = state.withLockIfAvailable({ $0.reapAll() }) {
            report(ready, awaitingOutput: waitingForOutput)
        } else {
            queue.async { self.drain() }
        }
    }

    /// On the pump's thread, at a stream's EOF: counts it now if the lock is free, else on the reaper's queue.
    func streamClosedOnPump(childID id: UInt64) {
        if let handler = state.withLockIfAvailable({ $0.closeStream(id) }) {
            if let (onExit, exit) = handler { onExit(exit) }
        } else {
            queue.async { self.streamClosed(childID: id) }
        }
    }

    /// On the pump's thread, at the exec report's EOF: the outcome is recorded now if the lock is free, else on the
    /// reaper's queue (no other thread needs waking after an exec).
    func execReportedOnPump(childID id: UInt64, failure: SpawnError?) {
        if let (next, drain) = state.withLockIfAvailable({
            ($0.execReported(id, failure: failure), $0.takeDrainAfterExec())
        }) {
            follow(next, childID: id)
            if drain { drainOnPump() }
        } else {
            queue.async { self.execReported(childID: id, failure: failure) }
        }
    }
}
