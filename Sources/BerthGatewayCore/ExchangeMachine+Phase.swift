extension ExchangeMachine {
    /// The state's case without its payload, for the shell's checks: reading `state` there copied the machine's
    /// exchange out of the enum (and retained everything it holds) on each of several checks per request.
    public enum Phase: Sendable, Equatable {
        case idle, waiting, connecting, sending, streaming, tunnel, closing, closed
    }

    public var phase: Phase {
        switch state {
        case .idle: .idle
        case .waiting: .waiting
        case .connecting: .connecting
        case .sending: .sending
        case .streaming: .streaming
        case .tunnel: .tunnel
        case .closing: .closing
        case .closed: .closed
        }
    }
}
