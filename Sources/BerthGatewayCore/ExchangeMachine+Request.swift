extension ExchangeMachine {
    /// The actions of every request's start and send, made once: an array literal allocates at each return, and
    /// these two are returned for every request (a shared array costs a retain instead).
    static let firstAcquire: [Action] = [.acquire(tried: [:])]
    static let sendOnly: [Action] = [.send]

    /// A routed request head arrived: ask for a replica.
    public mutating func requestHead(_ request: Request, now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .idle:
            let now = Moment(now)
            exchange = Exchange(request: request, started: now, requestDone: !request.hasBody)
            if let deadline = request.deadline { exchange!.totalUntil = now + deadline }
            state = .waiting
            return Self.firstAcquire
        case .waiting, .connecting, .sending, .streaming, .tunnel, .closing, .closed:
            preconditionFailure("request head in state \(state)")
        }
    }

    /// The gateway refuses a request before any replica (no route, unparsable head, body announced too large):
    /// answered at once, and the connection closed when `close`.
    public mutating func refuse(status: Int, message: String, close: Bool, now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .idle:
            var exchange = Exchange(
                request: Request(idempotent: false, hasBody: false, keepAlive: !close), started: Moment(now),
                requestDone: true)
            exchange.closeAfterResponse = close
            self.exchange = exchange
            return answer(.refused(status: status, message: message))
        case .waiting, .connecting, .sending, .streaming, .tunnel, .closing, .closed:
            preconditionFailure("refusal in state \(state)")
        }
    }

    /// The pool gave a replica; `connected` when it came with an idle keep-alive connection.
    public mutating func leased(
        _ replica: UpstreamBalancer.Replica, connected: Bool, now: ContinuousClock.Instant
    )
        -> [Action]
    {
        switch state {
        case .waiting:
            exchange!.attempts += 1
            exchange!.lastReplica = replica
            exchange!.reusedConnection = connected
            guard connected else {
                state = .connecting(replica)
                return [.connect(replica)]
            }
            return send(replica, now: now)
        case .idle, .connecting, .sending, .streaming, .tunnel, .closing, .closed:
            preconditionFailure("replica leased in state \(state)")
        }
    }

    /// The pool has no replica to give: none ready and none starting, or every one already failed this request.
    public mutating func unavailable(triedAny: Bool) -> [Action] {
        guard case .waiting = state else { preconditionFailure("unavailable in state \(state)") }
        return answer(triedAny ? .everyReplicaFailed : .noReadyReplica)
    }

    /// The request waited `queue_timeout` for a ready replica (`giveUp`: none is starting any more).
    public mutating func queueTimedOut() -> [Action] {
        guard case .waiting = state else { return [] }  // Raced with a lease: stale.
        return answer(.queueTimedOut)
    }

    /// The new connection to the replica is up.
    public mutating func connected(now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .connecting(let replica):
            return send(replica, now: now)
        case .idle, .waiting, .sending, .streaming, .tunnel, .closing, .closed:
            // The exchange ended while connecting (the client left): the shell closes the late connection.
            return [.closeUpstream]
        }
    }

    /// The connection to the replica could not be made: nothing was sent, so another replica is always safe.
    public mutating func connectFailed() -> [Action] {
        switch state {
        case .connecting(let replica):
            return retryOrFail(replica, .connectFailed, failure: .connectFailed(replica))
        case .idle, .waiting, .sending, .streaming, .tunnel, .closing, .closed:
            return []  // The exchange ended while connecting: already accounted for.
        }
    }

    /// The whole request body was forwarded.
    public mutating func requestBodyDone() -> [Action] {
        exchange?.requestDone = true
        return []
    }

    /// A chunked body grew past the route's limit: 413, or a cut connection when the response already started.
    public mutating func requestBodyTooLarge(limit: Int) -> [Action] {
        guard let wroteToClient = exchange?.wroteToClient else { return [] }
        if wroteToClient { return cut() }
        return answer(.bodyTooLarge(limit: limit))
    }

    /// The client's chunked body is malformed: 400 (the replica never gets the rest, nor a flush of what it has).
    public mutating func requestBodyInvalid(why: String) -> [Action] {
        guard let wroteToClient = exchange?.wroteToClient else { return [] }
        if wroteToClient { return cut() }
        return answer(.invalidBody(why: why))
    }

    private mutating func send(_ replica: UpstreamBalancer.Replica, now: ContinuousClock.Instant) -> [Action] {
        exchange!.sentAnything = true
        exchange!.tryUntil = Moment(now) + exchange!.request.timeout
        state = .sending(replica)
        return Self.sendOnly
    }
}
