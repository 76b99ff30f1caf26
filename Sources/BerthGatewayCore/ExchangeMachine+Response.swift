extension ExchangeMachine {
    /// A 1xx other than 101 passed to the client: the client has seen a response byte.
    public mutating func informationalHead() -> [Action] {
        exchange?.wroteToClient = true
        return []
    }

    /// The final response head was passed to the client. `clientKeepAlive`: the client connection can carry
    /// another request after it; `closeDelimited`: the body ends with the replica's close; `upgrade`: a 101 that
    /// makes the connection a tunnel.
    public mutating func responseHead(
        status: Int, clientKeepAlive: Bool, closeDelimited: Bool, upgrade: Bool
    )
        -> [Action]
    {
        guard case .sending(let replica) = state else {
            preconditionFailure("response head in state \(state)")
        }
        exchange!.wroteToClient = true
        exchange!.status = status
        exchange!.tryUntil = nil
        exchange!.closeDelimited = closeDelimited
        if !clientKeepAlive && !upgrade { exchange!.closeAfterResponse = true }
        if upgrade {
            let logged = exchange!.logged(status)
            state = .tunnel
            return [.endTry(replica, .success, .succeeded), logged, .startTunnel]
        }
        state = .streaming(replica)
        return []
    }

    /// The response's last byte went to the client; `reusable`: the replica's connection can carry another request.
    public mutating func responseEnded(reusable: Bool) -> [Action] {
        endResponse(reusable: reusable).actions
    }

    /// `responseEnded`'s actions as one value, for the shell to run in order without an array (an allocation per
    /// request): every response that ends normally comes here.
    public mutating func endResponse(reusable: Bool) -> ResponseEnd {
        guard case .streaming(let replica) = state else {
            preconditionFailure("response end in state \(state)")
        }
        // The replica answered before reading the whole body (a 413 of its own): the rest of the body cannot be
        // framed on either connection any more, so neither is reused.
        let requestDone = exchange!.requestDone
        if !requestDone { exchange!.closeAfterResponse = true }
        let log = exchange!.logged(exchange!.status)
        return ResponseEnd(replica: replica, reusable: reusable && requestDone, log: log, end: endExchange())
    }

    /// The replica's response head or body is not HTTP: it is at fault (`badResponse`); 502 if the client has seen
    /// nothing yet, else the client connection is cut.
    public mutating func responseInvalid(why: String) -> [Action] {
        switch state {
        case .sending(let replica), .streaming(let replica):
            var actions: [Action] = [.closeUpstream, .endTry(replica, .badResponse, .failed)]
            exchange!.tryUntil = nil
            if exchange!.wroteToClient {
                actions.append(contentsOf: cutWithoutTry())
            } else {
                actions.append(contentsOf: answer(.badResponse(replica, why: why), withoutTry: true))
            }
            return actions
        case .idle, .waiting, .connecting, .tunnel, .closing, .closed:
            return []
        }
    }

    /// The replica closed its connection (or a write to it failed). Before the response head it is a failed try
    /// (replayed when safe), except on a connection from the idle pool before any response byte (see
    /// `reconnectAfterStaleConnection`); a close-delimited response ends here; anywhere else the response is cut,
    /// and the client connection with it. `responseStarted`: some byte of the response arrived from the replica.
    public mutating func upstreamClosed(responseStarted: Bool = false) -> [Action] {
        switch state {
        case .sending(let replica):
            if !responseStarted, let actions = reconnectAfterStaleConnection(replica) { return actions }
            return retryOrFail(replica, .resetBeforeResponse, failure: .closedBeforeAnswering(replica))
        case .streaming(let replica):
            if exchange!.closeDelimited {
                exchange!.closeAfterResponse = true
                var actions: [Action] = [.endTry(replica, .success, .succeeded), exchange!.logged(exchange!.status)]
                actions.append(contentsOf: afterExchange())
                return actions
            }
            var actions: [Action] = [.endTry(replica, .badResponse, .failed)]
            actions.append(contentsOf: cutWithoutTry())
            return actions
        case .tunnel:
            state = .closed
            return [.closeClient]
        case .connecting:
            return connectFailed()
        case .idle, .waiting, .closing, .closed:
            return []  // A connection already given up.
        }
    }

    /// The supervisor declared the try's replica dead (failed liveness, `gateway_failures`, being killed): handled
    /// as if it had closed the connection, now rather than at the timeout, so an idempotent request is replayed on
    /// another replica and any other answered 502.
    public mutating func replicaDied(id: Int) -> [Action] {
        guard let replica, replica.id == id else { return [] }
        switch state {
        case .sending, .streaming:
            if case .streaming = state {
                exchange!.closeDelimited = false  // Its close is a death, not the body's end.
            }
            exchange!.reconnected = true  // Dead: no new connection to it (`reconnectAfterStaleConnection`).
            return [.closeUpstream] + upstreamClosed()
        case .connecting:
            return []  // The connect fails or succeeds soon; nothing was sent.
        case .idle, .waiting, .tunnel, .closing, .closed:
            return []
        }
    }
}

extension ExchangeMachine {
    /// A keep-alive connection from the idle pool failed before any response byte: the replica closed it as idle
    /// while the request was on its way (its keep-alive timeout raced the request), which is not the replica's
    /// fault and says nothing of a new connection. The same try goes on, once per exchange, on a new connection to
    /// the same replica, not judged, when the request may be sent again (RFC 9112 §9.3.1: idempotent and without
    /// body, as for a replay on another replica; nothing sent yet cannot happen here, the head goes with the
    /// lease). nginx and HAProxy do the same. Nil when the rule does not apply: the try failed as usual.
    mutating func reconnectAfterStaleConnection(_ replica: UpstreamBalancer.Replica) -> [Action]? {
        let current = exchange!
        guard current.reusedConnection, !current.reconnected, !current.wroteToClient,
            current.request.idempotent, !current.request.hasBody
        else { return nil }
        exchange!.reconnected = true
        exchange!.reusedConnection = false
        exchange!.sentAnything = false
        exchange!.tryUntil = nil
        state = .connecting(replica)
        return [.closeUpstream, .connect(replica)]
    }
}
