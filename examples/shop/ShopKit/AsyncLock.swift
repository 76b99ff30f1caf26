import Synchronization

/// A first-come, first-served async mutex: holds across `await`s (the writer lock is awaited while it is held),
/// unlike `Mutex`, without blocking a thread. Free, it is taken and given back without a suspension or an actor
/// hop: the common case for a replica's database, whose transactions are short.
public final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many tasks wait for the lock now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func lock() async {
        if state.withLock({ Self.take(&$0) }) { return }
        await withCheckedContinuation { continuation in
            // Freed between the two steps: take it now, else wait in line (`unlock` hands it over).
            let resumeNow = state.withLock { state in
                if Self.take(&state) { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Takes the lock if it is free.
    private static func take(_ state: inout State) -> Bool {
        guard !state.locked else { return false }
        state.locked = true
        return true
    }

    /// Hands the lock to the first waiter, if any (it stays locked), else frees it.
    public func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
