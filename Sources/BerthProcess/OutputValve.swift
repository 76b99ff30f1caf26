import Synchronization

/// Lets whoever consumes a child's output stop the pump reading the child's pipes until it has caught up: the
/// child then blocks in `write` once the pipe is full, instead of the daemon buffering without bound. Closing is
/// a flag the pump checks after each read; opening hands the parked pipes back to the pump.
public final class OutputValve: Sendable {
    private struct State {
        var open = true
        var parked: [UInt64] = []
        var resume: (@Sendable ([UInt64]) -> Void)?
    }

    private let state = Mutex(State())

    public init() {}

    public var isOpen: Bool { state.withLock { $0.open } }

    /// Asks the pump to stop reading after the read in progress.
    public func close() {
        state.withLock { $0.open = false }
    }

    /// Lets the pump read again.
    public func open() {
        let (tokens, resume) = state.withLock { state in
            state.open = true
            defer {
                state.parked = []
                state.resume = nil
            }
            return (state.parked, state.resume)
        }
        if !tokens.isEmpty { resume?(tokens) }
    }

    /// The pump's side: parks the pipe `token` if the valve is (still) closed; false when it opened meanwhile.
    func park(_ token: UInt64, resume: @escaping @Sendable ([UInt64]) -> Void) -> Bool {
        state.withLock { state in
            guard !state.open else { return false }
            state.parked.append(token)
            state.resume = resume
            return true
        }
    }
}
