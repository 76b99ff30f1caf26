import BerthSupervisorCore
import Synchronization

/// Probe results on their way from the epoll thread to the supervisor, in batches: the first result of a batch puts
/// one `.probeResults` into the input stream, and the ones that arrive before the supervisor gets to it ride along.
/// At 1,000 replicas (2,000 probes a second) that saves most of the stream's wake-ups and actor hops.
final class ProbeInbox: Sendable {
    struct Result: Sendable {
        var kind: ProbeKind
        var incarnation: Int
        var success: Bool
        var detail: String
        var service: String
        var slot: Int
    }

    private let pending = Mutex<[Result]>([])
    /// Results posted so far (tests: a steady probe's successes must not come here, see `ProbeChain`).
    let posted = Atomic<Int>(0)

    /// Adds `result`; true when the caller must announce the batch (the inbox was empty).
    func post(_ result: Result) -> Bool {
        posted.add(1, ordering: .relaxed)
        return pending.withLock { pending in
            pending.append(result)
            return pending.count == 1
        }
    }

    /// Takes the batch.
    func take() -> [Result] {
        pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }
}
