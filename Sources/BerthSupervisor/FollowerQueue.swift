import BerthControlProtocol
import Synchronization

/// One log follower's `FollowerBuffer` under a lock, read as an `AsyncStream`: the hub pushes lines without
/// waiting, the client's connection takes them one write at a time, and what it cannot take in time is dropped
/// by the buffer's byte bound (an `AsyncStream` continuation bounds by count only, and 10,000 long lines are
/// hundreds of megabytes).
///
/// The hub holds it weakly: when the stream goes away (client gone, task cancelled), `deinit` unregisters it.
final class FollowerQueue: Sendable {
    private enum Phase {
        /// Lines may still come.
        case open
        /// No more lines will come: the stream ends once the buffer is empty.
        case finished
        /// The reader was cancelled: end now.
        case cancelled
    }

    private struct State {
        var buffer: FollowerBuffer
        var waiter: CheckedContinuation<LogEntry?, Never>?
        var phase = Phase.open
    }

    private let state: Mutex<State>
    private let onGone: @Sendable () -> Void

    init(buffer: FollowerBuffer, onGone: @escaping @Sendable () -> Void) {
        state = Mutex(State(buffer: buffer))
        self.onGone = onGone
    }

    deinit {
        onGone()
    }

    /// The lines as a stream; it holds this queue (the caller keeps no other strong reference).
    var stream: AsyncStream<LogEntry> {
        AsyncStream(unfolding: { await self.next() }, onCancel: { self.cancel() })
    }

    func push(_ entry: LogEntry) {
        let handOver = state.withLock { state -> (CheckedContinuation<LogEntry?, Never>, LogEntry?)? in
            guard case .open = state.phase else { return nil }
            state.buffer.push(entry)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            // A waiter only waits on an empty buffer: this gives the new entry back.
            return (waiter, state.buffer.pop())
        }
        if let (waiter, next) = handOver { waiter.resume(returning: next) }
    }

    func finish() {
        let waiter = state.withLock { state in
            if case .open = state.phase { state.phase = .finished }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    private func cancel() {
        let waiter = state.withLock { state in
            state.phase = .cancelled
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    private func next() async -> LogEntry? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<LogEntry?, Never>) in
                let ready = state.withLock { state -> LogEntry?? in
                    switch state.phase {
                    case .cancelled: return .some(nil)
                    case .open, .finished: if let entry = state.buffer.pop() { return .some(entry) }
                    }
                    if case .finished = state.phase { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if case .some(let answer) = ready { continuation.resume(returning: answer) }
            }
        } onCancel: {
            cancel()
        }
    }
}
