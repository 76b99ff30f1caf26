import BerthSystem
import CBerthShim
import Glibc

/// Hears one child's exit on the pump's epoll thread through a pidfd, so that kill -9 → replacement does not wait
/// for SIGCHLD's route (the daemon's signal handler, libdispatch's signal thread, then a reaper-queue worker: three
/// thread wake-ups, each a wait for a core on a busy machine; issue 16 asks for 2 ms). The SIGCHLD source stays: it
/// reaps orphans and children without a pidfd (kernels before 5.3), and finds nothing left after this.
final class ExitWatch: ReadinessHandler {
    let reaper: ChildReaper

    init(reaper: ChildReaper) {
        self.reaper = reaper
    }

    func ready() -> WatchNext {
        reaper.drainOnPump()
        return .done
    }

    func timedOut() {}
}

extension ChildReaper {
    /// Watches a child's pidfd (opened under the reaper's lock right after the fork, so it is that child's) on the
    /// pump. Without one (-1), SIGCHLD alone reports the exit.
    func watchExit(_ pidfd: Int32) {
        guard pidfd >= 0 else { return }
        _ = try? pump.watch(pidfd, for: .read, deadline: nil, handler: ExitWatch(reaper: self))
    }

    /// On the pump's thread: reaps now if the lock is free; a fork holding it must not stall the pump, so the drain
    /// then goes to the reaper's queue as SIGCHLD's does.
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
}
