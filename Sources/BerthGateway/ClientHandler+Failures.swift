import BerthGatewayCore
import NIOCore

extension ClientHandler {
    /// The upstream connection closed. Before any response byte this is a failed try (retried when safe); a
    /// close-delimited response ends here; anywhere else the response is cut and the client connection too.
    func upstreamClosed(_ upstream: UpstreamHandler) {
        if tunnel === upstream {
            tunnel = nil
            context?.close(promise: nil)
            return
        }
        guard let exchange, exchange.upstream === upstream else { return }
        exchange.upstream = nil
        let service = exchange.route.service
        let id = exchange.replica?.id ?? -1
        let generation = exchange.replica?.generation
        if !exchange.responseHeadDone {
            exchange.deadline = nil
            loop.finished(service: service, id: id, generation: generation, outcome: .resetBeforeResponse)
            exchange.replica = nil
            let name = "\(service).\(exchange.lastReplica.map { String($0.index) } ?? "?")"
            retryOrFail(exchange, status: 502, message: "\(name) closed the connection before answering")
            return
        }
        if case .untilClose = exchange.responseBody {
            exchange.responseKeepAlive = false
            closeAfterResponse = true
            exchange.responseDone = true
            loop.finished(service: service, id: id, generation: generation, outcome: .success)
            exchange.replica = nil
            finishWithoutUpstream(exchange, status: exchange.responseStatus)
            return
        }
        loop.finished(service: service, id: id, generation: generation, outcome: .badResponse)
        exchange.replica = nil
        self.exchange = nil
        logAccess(exchange, status: exchange.responseStatus)
        closing = true
        context?.close(promise: nil)
    }

    /// The supervisor declared the exchange's replica dead (failed liveness or `gateway_failures`): a request still
    /// waiting for its response head is handled as if the replica had closed the connection, so an idempotent one
    /// is replayed on another replica and any other answered 502, now rather than at its timeout; a response
    /// already streaming is cut.
    func replicaDied(service: String, id: Int) {
        guard let exchange, exchange.route.service == service, exchange.replica?.id == id,
            let upstream = exchange.upstream
        else { return }
        upstream.client = nil
        upstream.close()
        upstreamClosed(upstream)
    }

    /// The replica sent something that is not HTTP: 502 if the client has seen nothing yet, else cut the
    /// connection. The replica's connection is not reused.
    func badUpstreamResponse(_ exchange: Exchange, _ upstream: UpstreamHandler, _ why: String) {
        exchange.deadline = nil
        exchange.upstream = nil
        upstream.client = nil
        upstream.close()
        if let replica = exchange.replica {
            loop.finished(
                service: exchange.route.service, id: replica.id, generation: replica.generation, outcome: .badResponse)
            // Accounted for: `fail` below must not count the try again.
            exchange.replica = nil
        }
        let name = "\(exchange.route.service).\(exchange.lastReplica.map { String($0.index) } ?? "?")"
        if exchange.wroteToClient {
            self.exchange = nil
            logAccess(exchange, status: exchange.responseStatus)
            closing = true
            context?.close(promise: nil)
        } else {
            fail(exchange, status: 502, message: "\(name) answered with \(why)")
        }
    }

    /// A chunked body grew past the route's limit: stop forwarding it and answer 413 (or cut the connection if the
    /// replica already started answering).
    func tooLarge(_ exchange: Exchange, limit: Int) {
        if exchange.wroteToClient {
            abandon(exchange)
            closing = true
            context?.close(promise: nil)
        } else {
            fail(exchange, status: 413, message: "body larger than \(limit) bytes")
        }
    }

    /// The replica sent no response head within the timeout: 504, and no replay. The replica is alive (a dead
    /// one fails the connect or resets it, which is replayed); the request has been, or is being, processed there,
    /// so sending it again could do its work twice, and would only multiply the wait by the number of replicas.
    func upstreamTimedOut(_ exchange: Exchange) {
        let service = exchange.route.service
        if let upstream = exchange.upstream {
            exchange.upstream = nil
            upstream.client = nil
            upstream.close()
        }
        if let replica = exchange.replica {
            loop.finished(service: service, id: replica.id, generation: replica.generation, outcome: .timedOut)
            exchange.replica = nil
        }
        let name = "\(service).\(exchange.lastReplica.map { String($0.index) } ?? "?")"
        fail(exchange, status: 504, message: "\(name) did not answer in time")
    }

    /// The route's `deadline` for the whole exchange passed: 504 if the client has seen nothing of the response
    /// yet, else the connection is cut (the response cannot be completed in time). A replica that has not sent its
    /// response head counts it as a timeout; one that is streaming is not judged.
    func deadlinePassed(_ exchange: Exchange) {
        if !exchange.wroteToClient {
            if exchange.replica != nil && !exchange.responseHeadDone {
                upstreamTimedOut(exchange)
            } else {
                if let waiter = exchange.waiter {
                    exchange.waiter = nil
                    loop.cancelWait(service: exchange.route.service, waiter: waiter)
                }
                fail(exchange, status: 504, message: "no response within the route's deadline")
            }
            return
        }
        abandon(exchange)
        logAccess(exchange, status: exchange.responseStatus)
        closing = true
        context?.close(promise: nil)
    }

    /// The client took none of the gateway's bytes for `send_timeout`: close it, and give its replica connection
    /// up (closed, since a response is cut in its middle) without holding it against the replica.
    func sendTimedOut() {
        if let exchange = giveUpUpstreams() {
            logAccess(exchange, status: exchange.responseStatus)
        }
        closing = true
        context?.close(promise: nil)
    }

    /// The client is gone or being closed: closes a tunnel's upstream and abandons the current exchange, which it
    /// returns (for the access log).
    @discardableResult
    func giveUpUpstreams() -> Exchange? {
        if let tunnel {
            self.tunnel = nil
            tunnel.client = nil
            tunnel.close()
        }
        guard let exchange else { return nil }
        abandon(exchange)
        return exchange
    }

    /// Bytes written to the client that it has not taken yet.
    var pendingOutboundBytes: Int {
        (try? context?.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
    }

    /// Tries another replica when that is safe (nothing sent, or an idempotent request without a body), else fails.
    func retryOrFail(_ exchange: Exchange, status: Int, message: String) {
        guard self.exchange === exchange else { return }
        if exchange.mayRetry(maxAttempts: 1 + (exchange.route.retries ?? configuration.retries)) {
            exchange.sentAnything = false
            exchange.responseBuffer = nil
            dispatch(exchange)
        } else {
            fail(exchange, status: status, message: message)
        }
    }

    /// Answers the exchange with the gateway's own error; the connection is kept only if the request was read whole.
    func fail(_ exchange: Exchange, status: Int, message: String) {
        guard self.exchange === exchange else { return }
        exchange.deadline = nil
        if let upstream = exchange.upstream {
            exchange.upstream = nil
            upstream.client = nil
            upstream.close()
        }
        if let replica = exchange.replica {
            // The gateway answers for its own reasons (a body too large): nothing to hold for or against the replica.
            loop.finished(
                service: exchange.route.service, id: replica.id, generation: replica.generation, outcome: .notJudged)
            exchange.replica = nil
        }
        let bodyUnread = !exchange.requestDone
        respondError(
            status: status, message: message, requestID: exchange.requestID,
            close: bodyUnread || !exchange.head.keepAlive, exchange: exchange
        )
    }

    private func finishWithoutUpstream(_ exchange: Exchange, status: Int) {
        self.exchange = nil
        logAccess(exchange, status: status)
        continueAfterExchange()
    }

    /// Writes one of the gateway's own error responses and goes on (or closes).
    func respondError(status: Int, message: String, requestID: String, close: Bool, exchange: Exchange? = nil) {
        guard let context, !closing else { return }
        let buffer = GatewayErrorResponse.make(
            status: status, message: message, requestID: requestID, close: close, allocator: context.channel.allocator
        )
        context.write(wrapOutboundOut(buffer), promise: nil)
        if let exchange {
            exchange.responseStatus = status
            self.exchange = nil
            logAccess(exchange, status: status)
        }
        closeAfterResponse = closeAfterResponse || close
        continueAfterExchange()
    }

    /// The client went away mid-exchange: give the replica connection up and account for the request.
    func abandon(_ exchange: Exchange) {
        if self.exchange === exchange { self.exchange = nil }
        exchange.deadline = nil
        if let waiter = exchange.waiter {
            loop.cancelWait(service: exchange.route.service, waiter: waiter)
        }
        if let upstream = exchange.upstream {
            exchange.upstream = nil
            upstream.client = nil
            upstream.close()
        }
        if let replica = exchange.replica {
            loop.finished(
                service: exchange.route.service, id: replica.id, generation: replica.generation, outcome: .notJudged)
            exchange.replica = nil
        }
    }

    // MARK: Timers against slow and idle clients (checked by the loop's sweep, not scheduled per request)

    func armHeaderTimer() {
        idleDeadline = nil
        headerDeadline = .now() + TimeAmount(configuration.headerTimeout)
    }

    func armIdleTimer() {
        headerDeadline = nil
        // A keep-alive connection may idle for idleTimeout; once a request starts arriving, headerTimeout applies.
        idleDeadline = .now() + TimeAmount(configuration.idleTimeout)
    }

    /// Called by the loop's sweep a few times a second: enforces the header, idle and upstream deadlines.
    func checkDeadlines(_ now: NIODeadline) {
        // Before `closing`: a connection closing after its last response still waits for the client to take it.
        if sendWatch.stalledSince != nil, context != nil, sendWatch.expired(
            pending: pendingOutboundBytes, now: Int64(now.uptimeNanoseconds),
            timeout: Int64(TimeAmount(configuration.sendTimeout).nanoseconds))
        {
            sendTimedOut()
            return
        }
        guard !closing else { return }
        if let exchange, let deadline = exchange.totalDeadline, deadline <= now {
            exchange.totalDeadline = nil
            deadlinePassed(exchange)
            return
        }
        if let exchange, let deadline = exchange.deadline, deadline <= now, !exchange.responseHeadDone {
            exchange.deadline = nil
            upstreamTimedOut(exchange)
            return
        }
        guard exchange == nil, tunnel == nil else { return }
        if let deadline = headerDeadline, deadline <= now {
            headerDeadline = nil
            if inbound.readableBytes > 0 {
                let requestID = loop.requestIDs.next()
                logRefusal(status: 408, requestID: requestID, head: nil)
                respondError(
                    status: 408, message: "request head not received in time", requestID: requestID, close: true)
            } else {
                closing = true
                context?.close(promise: nil)
            }
        } else if let deadline = idleDeadline, deadline <= now {
            closing = true
            context?.close(promise: nil)
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let parts = duration.components
        self = .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
