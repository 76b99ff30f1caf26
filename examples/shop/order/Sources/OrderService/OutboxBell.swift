import NIOCore
import NIOPosix
import Synchronization

/// Wakes the outbox relay when this process commits an outbox row, so that the relay neither polls the file nor
/// sleeps between rounds on a timer of its own.
///
/// Why: the relay used to read the file every 50 ms when idle, and to check for rows (a read) and pause with
/// `Task.sleep` before every round under load. A sleep is served by libdispatch's timer threads, not by the event
/// loop the shop's tasks run on (see `LoopDeadline`), so each round woke dispatch's threads. Now the commit rings
/// the bell and both waits are timers on the event loop, removed when they are not needed. The relay still looks
/// at the file on its own when nothing rang for a while: rows written by the other replica, whose relay may be
/// down, or left from before this process started.
///
/// One waiter at a time (the relay). A ring with nobody waiting is remembered until the next wait.
final class OutboxBell: Sendable {
    private struct State {
        var rung = false
        /// The waiting relay, with the number of its wait (so that a late timer cannot wake a later wait).
        var waiter: (wait: Int, continuation: CheckedContinuation<Bool, Never>)?
        var timer: Scheduled<Void>?
        var waits = 0
    }

    private let state = Mutex(State())

    /// Wakes the waiting relay, or the next one to wait.
    func ring() {
        wake(nil, returning: true) { $0.rung = true }
    }

    /// Waits until the bell rings (true; at once when it rang since the last wait) or `timeout` has passed, or the
    /// task is cancelled (false).
    func wait(atMost timeout: Duration) async -> Bool {
        let rungAlready = state.withLock { state in
            defer { state.rung = false }
            return state.rung
        }
        if rungAlready { return true }
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let wait = state.withLock { state in
            state.waits += 1
            return state.waits
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let rungMeanwhile = state.withLock { state in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = (wait, continuation)
                    return false
                }
                if rungMeanwhile {
                    continuation.resume(returning: true)
                    return
                }
                let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { self.stop(wait) }
                let stale = state.withLock { state in
                    guard state.waiter?.wait == wait else { return true }
                    state.timer = timer
                    return false
                }
                if stale { timer.cancel() }  // rung (or cancelled) before the timer was stored
                // Cancelled before the waiter was stored: `onCancel` found nobody to wake.
                if Task.isCancelled { stop(wait) }
            }
        } onCancel: {
            stop(wait)
        }
    }

    /// Ends wait number `wait` without a ring (its timer fired, or its task was cancelled).
    private func stop(_ wait: Int) {
        wake(wait, returning: false)
    }

    /// Resumes the waiting relay with `value` and cancels its timer: only if it is wait number `wait` when one is
    /// named. With nobody (or another wait) waiting, `otherwise` changes the state under the same lock.
    private func wake(_ wait: Int?, returning value: Bool, otherwise: (inout State) -> Void = { _ in }) {
        let woken = state.withLock { state -> (CheckedContinuation<Bool, Never>, Scheduled<Void>?)? in
            guard let waiter = state.waiter, wait == nil || waiter.wait == wait else {
                otherwise(&state)
                return nil
            }
            defer {
                state.waiter = nil
                state.timer = nil
            }
            return (waiter.continuation, state.timer)
        }
        guard let (continuation, timer) = woken else { return }
        timer?.cancel()
        continuation.resume(returning: value)
    }

    /// Sleeps for `duration` on the event loop (not on libdispatch's timer threads, as `Task.sleep` does); returns
    /// early when the task is cancelled.
    static func pause(for duration: Duration) async {
        let pauseBell = OutboxBell()
        _ = await pauseBell.wait(atMost: duration)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ attoseconds / 1_000_000_000
    }
}
