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
            var exchange = Exchange(request: request, started: now, requestDone: !request.hasBody)
            exchange.totalUntil = request.deadline.map { now + $0 }
            state = .waiting(exchange)
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
            return answer(exchange, .refused(status: status, message: message))
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
        case .waiting(var exchange):
            exchange.attempts += 1
            exchange.lastReplica = replica
            guard connected else {
                state = .connecting(exchange, replica)
                return [.connect(replica)]
            }
            return send(exchange, replica, now: now)
        case .idle, .connecting, .sending, .streaming, .tunnel, .closing, .closed:
            preconditionFailure("replica leased in state \(state)")
        }
    }

    /// The pool has no replica to give: none ready and none starting, or every one already failed this request.
    public mutating func unavailable(triedAny: Bool) -> [Action] {
        guard case .waiting(let exchange) = state else { preconditionFailure("unavailable in state \(state)") }
        return answer(exchange, triedAny ? .everyReplicaFailed : .noReadyReplica)
    }

    /// The request waited `queue_timeout` for a ready replica (`giveUp`: none is starting any more).
    public mutating func queueTimedOut() -> [Action] {
        guard case .waiting(let exchange) = state else { return [] }  // Raced with a lease: stale.
        return answer(exchange, .queueTimedOut)
    }

    /// The new connection to the replica is up.
    public mutating func connected(now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .connecting(let exchange, let replica):
            return send(exchange, replica, now: now)
        case .idle, .waiting, .sending, .streaming, .tunnel, .closing, .closed:
            // The exchange ended while connecting (the client left): the shell closes the late connection.
            return [.closeUpstream]
        }
    }

    /// The connection to the replica could not be made: nothing was sent, so another replica is always safe.
    public mutating func connectFailed() -> [Action] {
        switch state {
        case .connecting(let exchange, let replica):
            return retryOrFail(exchange, replica, .connectFailed, failure: .connectFailed(replica))
        case .idle, .waiting, .sending, .streaming, .tunnel, .closing, .closed:
            return []  // The exchange ended while connecting: already accounted for.
        }
    }

    /// The whole request body was forwarded.
    public mutating func requestBodyDone() -> [Action] {
        modifyExchange { $0.requestDone = true }
        return []
    }

    /// A chunked body grew past the route's limit: 413, or a cut connection when the response already started.
    public mutating func requestBodyTooLarge(limit: Int) -> [Action] {
        guard let exchange else { return [] }
        if exchange.wroteToClient { return cut(exchange) }
        return answer(exchange, .bodyTooLarge(limit: limit))
    }

    /// The client's chunked body is malformed: 400 (the replica never gets the rest, nor a flush of what it has).
    public mutating func requestBodyInvalid(why: String) -> [Action] {
        guard let exchange else { return [] }
        if exchange.wroteToClient { return cut(exchange) }
        return answer(exchange, .invalidBody(why: why))
    }

    private mutating func send(
        _ exchange: Exchange, _ replica: UpstreamBalancer.Replica, now: ContinuousClock.Instant
    )
        -> [Action]
    {
        var exchange = exchange
        exchange.sentAnything = true
        exchange.tryUntil = Moment(now) + exchange.request.timeout
        state = .sending(exchange, replica)
        return Self.sendOnly
    }

    mutating func modifyExchange(_ change: (inout Exchange) -> Void) {
        switch state {
        case .waiting(var exchange):
            change(&exchange)
            state = .waiting(exchange)
        case .connecting(var exchange, let replica):
            change(&exchange)
            state = .connecting(exchange, replica)
        case .sending(var exchange, let replica):
            change(&exchange)
            state = .sending(exchange, replica)
        case .streaming(var exchange, let replica):
            change(&exchange)
            state = .streaming(exchange, replica)
        case .idle, .tunnel, .closing, .closed:
            break
        }
    }
}
