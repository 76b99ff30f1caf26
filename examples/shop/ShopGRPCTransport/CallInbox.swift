import NIOCore
import Synchronization

/// What the peer sent on one call, from the event loop that read it to the one task that handles the call.
///
/// One lock and at most one waiting continuation per call: grpc-swift's own transport puts a stream channel and a
/// `NIOAsyncChannel` (with its back-pressure state machine and writer) here, which was a third of the saga
/// processes' CPU (BENCHMARKS.md, "Shop findings (branch shopgrpc)"). Back-pressure is a bound instead: a call that
/// holds more than `limit` unread bytes fails (`tooMuchUnread`), and the connection handler resets its stream.
public final class CallInbox<Part: Sendable>: Sendable {
    private struct State: Sendable {
        var parts = CircularBuffer<(Part, Int)>(initialCapacity: 2)
        var unreadBytes = 0
        var end: End?
        var waiter: CheckedContinuation<Part?, any Error>?
    }

    private enum Outcome {
        case held
        case handed(CheckedContinuation<Part?, any Error>)
        case ended, full
    }

    private enum End: Sendable {
        case finished
        case failed(any Error)
    }

    private let state = Mutex(State())
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// Adds a part (`bytes` long); false when the unread parts would pass the limit (the part is dropped).
    @discardableResult
    public func push(_ part: Part, bytes: Int = 0) -> Bool {
        let outcome = state.withLock { state -> Outcome in
            guard state.end == nil else { return .ended }
            if let waiter = state.waiter {
                state.waiter = nil
                return .handed(waiter)
            }
            guard state.unreadBytes + bytes <= limit else { return .full }
            state.parts.append((part, bytes))
            state.unreadBytes += bytes
            return .held
        }
        switch outcome {
        case .held, .ended: return true
        case .handed(let waiter):
            waiter.resume(returning: part)
            return true
        case .full: return false
        }
    }

    /// No more parts: the reader gets those held, then the end.
    public func finish() {
        end(.finished)
    }

    /// The call broke: the reader gets those held, then `error`.
    public func fail(_ error: any Error) {
        end(.failed(error))
    }

    private func end(_ end: End) {
        let waiter = state.withLock { state -> CheckedContinuation<Part?, any Error>? in
            guard state.end == nil else { return nil }
            state.end = end
            defer { state.waiter = nil }
            return state.waiter
        }
        switch end {
        case .finished: waiter?.resume(returning: nil)
        case .failed(let error): waiter?.resume(throwing: error)
        }
    }

    /// The next part; nil at the end. One reader at a time.
    public func next() async throws -> Part? {
        if let ready = state.withLock({ Self.ready(&$0) }) { return try ready.get() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<Part?, any Error>? in
                    if let ready = Self.ready(&state) { return ready }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            fail(CancellationError())
        }
    }

    /// A part or the end, if there is one without waiting.
    private static func ready(_ state: inout State) -> Result<Part?, any Error>? {
        if let (part, bytes) = state.parts.popFirst() {
            state.unreadBytes -= bytes
            return .success(part)
        }
        switch state.end {
        case .finished: return .success(nil)
        case .failed(let error): return .failure(error)
        case nil: return nil
        }
    }
}
/// A call's inbox as the `AsyncSequence` grpc-swift reads.
public struct CallInboxSequence<Part: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Part
    public typealias Failure = any Error

    let inbox: CallInbox<Part>

    public init(_ inbox: CallInbox<Part>) {
        self.inbox = inbox
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(inbox: inbox)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let inbox: CallInbox<Part>

        public mutating func next() async throws -> Part? {
            try await inbox.next()
        }
    }
}
