extension ExchangeMachine {
    /// The client shut its sending side (a TCP half-close, `shutdown(SHUT_WR)`: what `nc -N`, scripts and some
    /// health checkers do after their request) and still reads. Every request it sent whole is answered, the
    /// pipelined ones too; then the connection closes. Anything unfinished (a partial head, a body that can no longer
    /// arrive) ends now, as for a client that closed.
    ///
    /// Before the outside audit audit11 the gateway closed at once on the client's end of file, so such a client got
    /// an answer only when its replica answered before the end of file was read (6 of 20 tries on loopback: a
    /// race); HAProxy answers it every time.
    public mutating func clientInputClosed() -> [Action] {
        inputClosed = true
        switch state {
        case .idle:
            // Nothing under way (the shell parsed what was buffered): a partial head can never be completed. The
            // last response may still be on its way to a slow reader: closed after it, not at once.
            state = .closing
            return [.closeAfterResponse]
        case .closing, .closed:
            return []
        case .waiting, .connecting, .sending, .streaming:
            // Answered first; the shell calls again once it is idle (`.next`), after any pipelined request.
            guard exchange!.requestDone else {
                let actions = abandon()
                state = .closed
                return actions + [.closeClient]
            }
            return []
        case .tunnel:
            // A tunnel is closed as a whole when either side closes, as before (no half-close relayed).
            state = .closed
            return [.closeUpstream, .closeClient]
        }
    }
}
