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

extension ExchangeMachine {
    /// Whether the current exchange's request body was forwarded whole (or it has none); nil without an exchange.
    /// For the shell's checks on every read.
    public var requestDone: Bool? {
        exchange?.requestDone
    }

    /// Whether an exchange is in progress (`exchange != nil`, without copying it).
    public var hasExchange: Bool {
        switch phase {
        case .waiting, .connecting, .sending, .streaming: true
        case .idle, .tunnel, .closing, .closed: false
        }
    }
}
