extension ExchangeMachine {
    /// Checks the per-try timeout and the route's deadline.
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        guard let exchange else { return [] }
        let now = Moment(now)
        if let deadline = exchange.totalUntil, deadline <= now { return deadlinePassed() }
        if case .sending(let replica) = state, let deadline = exchange.tryUntil, deadline <= now {
            // The client has not sent its whole body: the replica is waiting for it, so the fault is the client's
            // (408, the try not judged). Judged, a few such requests ejected a replica, or with `gateway_failures`
            // restarted it (found by the outside audit, audit1).
            guard exchange.requestDone else {
                return answer(.refused(status: 408, message: "the request body did not arrive in time"))
            }
            // No replay: the replica is alive (a dead one fails the connect or resets it, which is replayed); the
            // request has been, or is being, processed there, and a replay would multiply the wait.
            var actions: [Action] = [.closeUpstream, .endTry(replica, .timedOut, .failed)]
            actions.append(contentsOf: answer(.timedOut(replica), withoutTry: true))
            return actions
        }
        return []
    }

    /// The client sent none of its request body for `body_timeout` while the replica waited for it (no response
    /// head yet): 408 and the connection closed, the try not judged, as at the try's `timeout`, which it no longer
    /// has to wait for (outside audit, audit10).
    public mutating func requestBodyStalled() -> [Action] {
        guard case .sending = state, let exchange, !exchange.requestDone else { return [] }
        return answer(.refused(status: 408, message: "the request body stopped arriving (body_timeout)"))
    }

    /// The client took none of the gateway's bytes for `send_timeout`: it is closed, and its replica connection
    /// given up without holding it against the replica.
    public mutating func clientStalled() -> [Action] {
        switch state {
        case .waiting, .connecting, .sending, .streaming:
            return cut()
        case .tunnel:
            state = .closed
            return [.closeUpstream, .closeClient]
        case .idle, .closing:
            state = .closed
            return [.closeClient]
        case .closed:
            return []
        }
    }

    /// The client connection closed: the exchange is abandoned (not judged against its replica).
    public mutating func clientClosed() -> [Action] {
        let actions = abandon()
        state = .closed
        return actions
    }

    /// The route's deadline passed: 504 while the client has seen nothing, else a cut connection. A replica that
    /// has not sent its response head counts it as a timeout; one that is streaming is not judged.
    private mutating func deadlinePassed() -> [Action] {
        if exchange!.wroteToClient { return cut() }
        if case .sending(let replica) = state {
            var actions: [Action] = [.closeUpstream, .endTry(replica, .timedOut, .failed)]
            actions.append(contentsOf: answer(.timedOut(replica), withoutTry: true))
            return actions
        }
        return answer(.deadlinePassed)
    }

    // MARK: Ends of an exchange

    /// Gives up the current try (if any) without judging the replica, or the wait for one.
    mutating func abandon() -> [Action] {
        switch state {
        case .waiting:
            return [.cancelWait]
        case .connecting(let replica):
            return [.endTry(replica, .notJudged, .failed)]
        case .sending(let replica), .streaming(let replica):
            return [.closeUpstream, .endTry(replica, .notJudged, .failed)]
        case .tunnel:
            return [.closeUpstream]
        case .idle, .closing, .closed:
            return []
        }
    }

    /// Another try when it is safe (nothing sent; or an idempotent request without body), else the failure.
    mutating func retryOrFail(
        _ replica: UpstreamBalancer.Replica, _ outcome: UpstreamBalancer.Outcome, failure: Failure
    ) -> [Action] {
        exchange!.tryUntil = nil
        // Recorded only when a try failed (no dictionary per request): only a retry needs to know.
        exchange!.tried[replica.id] = replica.generation
        let current = exchange!
        let safe = !current.sentAnything || (current.request.idempotent && !current.request.hasBody)
        guard current.attempts < current.request.maxAttempts, !current.wroteToClient, safe else {
            state = .waiting  // So that `answer` finds no try left to end.
            return [.endTry(replica, outcome, .failed)] + answer(failure, withoutTry: true)
        }
        let next: TryOutcome = current.sentAnything ? .replayable : .retryableBeforeSend
        exchange!.sentAnything = false
        state = .waiting
        return [.endTry(replica, outcome, next), .acquire(tried: current.tried)]
    }

    /// The gateway answers the exchange itself; the connection is kept only if the request was read whole and the
    /// client keeps it. The current try, if any, ends not judged (unless `withoutTry`: the caller ended it).
    mutating func answer(_ failure: Failure, withoutTry: Bool = false) -> [Action] {
        var actions: [Action] = []
        if !withoutTry {
            switch state {
            case .waiting:
                // Only the route's deadline ends a wait the pool still holds (it ended or never began otherwise).
                if case .deadlinePassed = failure { actions.append(.cancelWait) }
            case .connecting, .sending, .streaming: actions.append(contentsOf: abandon())
            case .idle, .tunnel, .closing, .closed: break
            }
        }
        if case .sending = state, withoutTry { actions.append(.closeUpstream) }
        exchange!.status = failure.status
        if !exchange!.requestDone || !exchange!.request.keepAlive { exchange!.closeAfterResponse = true }
        actions.append(.respond(failure, close: exchange!.closeAfterResponse))
        actions.append(exchange!.logged(failure.status))
        actions.append(contentsOf: afterExchange())
        return dedupe(actions)
    }

    /// Cuts the client connection in the middle of a response (its try abandoned, not judged).
    mutating func cut() -> [Action] {
        var actions = abandon()
        actions.append(contentsOf: cutWithoutTry())
        return actions
    }

    /// Cuts the client connection; the try was already ended by the caller.
    mutating func cutWithoutTry() -> [Action] {
        let logged = exchange!.logged(exchange!.status)
        state = .closed
        return [logged, .closeClient]
    }

    /// The exchange is over: the next request, or the connection's lingering close.
    mutating func afterExchange() -> [Action] {
        [endExchange()]
    }

    /// `afterExchange`'s one action, for a caller that builds its array in one literal (one allocation per
    /// request instead of three: the literal, this array, and the first one's growth when appending it).
    mutating func endExchange() -> Action {
        if exchange!.closeAfterResponse {
            state = .closing
            return .closeAfterResponse
        }
        state = .idle
        return .next
    }

    /// `.closeUpstream` at most once (an earlier step may already have asked for it).
    private func dedupe(_ actions: [Action]) -> [Action] {
        var seen = false
        return actions.filter { action in
            guard action == .closeUpstream else { return true }
            defer { seen = true }
            return !seen
        }
    }
}
