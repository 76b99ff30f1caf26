import Synchronization

/// A signal one task waits for, with an optional deadline: what replaces a loop that wakes every second only to look
/// for a change (issue 16's idle CPU: each such wake is a timer, a thread and an actor hop). A signal sent while
/// nobody waits is kept (one), so a change between two waits is never missed.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns at the first signal (or one kept since the last wait), at `deadline` (nil: none), or when the task is
    /// cancelled.
    public func wait(until deadline: ContinuousClock.Instant?) async {
        let pending = state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
        guard !pending, !Task.isCancelled else { return }
        guard let deadline else { return await waitForSignal() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Under the lock: a cancellation that ran before the continuation was stored found nothing to
                // resume, and is seen here instead.
                let now = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}
