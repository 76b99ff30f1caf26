import BerthGatewayCore
import NIOCore

extension ClientHandler: ReplicaWaiter {
    /// Runs the machine's actions in order; an action may feed the machine again (a retry asks the pool, which
    /// answers at once), whose actions run before the rest.
    func run(_ actions: [ExchangeMachine.Action]) {
        for action in actions { run(action) }
    }

    /// Runs a response's end, action by action (see `ExchangeMachine.ResponseEnd`).
    func run(_ end: ExchangeMachine.ResponseEnd) {
        run(.endTry(end.replica, .success, .succeeded))
        run(.releaseUpstream(end.replica, reusable: end.reusable))
        run(end.log)
        run(end.end)
    }

    private func run(_ action: ExchangeMachine.Action) {
        switch action {
        case .acquire(let tried):
            acquire(tried: tried)
        case .cancelWait:
            if let exchange { loop.cancelWait(self, service: exchange.serviceID) }
        case .connect(let replica):
            connect(replica)
        case .send:
            send()
        case .endTry(let replica, let outcome, _):
            guard let exchange else { break }
            // After a 101 the replica keeps serving the tunnel: a drain waits for it (GatewayLoop+Draining).
            if machine.phase == .tunnel {
                loop.tunnelOpened(self, service: exchange.service, replica: replica)
            }
            loop.finished(service: exchange.serviceID, replica, outcome: outcome)
        case .closeUpstream:
            if let upstream = exchange?.upstream {
                exchange?.upstream = nil
                upstream.client = nil
                upstream.close()
            }
            if let tunnel {
                self.tunnel = nil
                tunnel.client = nil
                tunnel.close()
            }
        case .releaseUpstream(let replica, let reusable):
            if let exchange, let upstream = exchange.upstream {
                exchange.upstream = nil
                loop.release(upstream, service: exchange.serviceID, replica: replica, reusable: reusable)
            }
        case .respond(let failure, let close):
            respond(failure, close: close)
        case .log(let status, let attempts, let replica):
            if let refusal {
                logRefusal(status: status, requestID: refusal.requestID, head: refusal.head)
            } else if let exchange {
                logAccess(exchange, status: status, attempts: attempts, replica: replica)
            }
        case .startTunnel:
            startTunnel()
        case .closeClient:
            exchange = nil
            writeHeldHead()
            context?.close(promise: nil)
        case .closeAfterResponse:
            exchange = nil
            guard let context else { return }
            unflushed = false
            writeHeldHead()
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                self.lingeringClose(context)
            }
        case .next:
            // Its head for the replica was sent: the buffer serves a later head (see `HeadBufferPool`).
            if let exchange { loop.headBuffers.give(exchange.upstreamHead) }
            exchange = nil
            guard context != nil else { return }
            flushClient()
            armIdleTimer()
            if inbound.readableBytes > 0 { process() }
            // A client that shut its sending side is closed once its last buffered request is answered.
            if machine.inputClosed, machine.phase == .idle {
                run(machine.clientInputClosed())
                return
            }
            if !machine.hasExchange { setReading(true) }
        }
    }

    /// Asks the pool for a replica: an idle connection is taken at once; else a connect, a wait, or a failure.
    private func acquire(tried: [Int: Int]) {
        guard let exchange else { return }
        // One reading of the clock for the pool and the lease (each costs ~130 instructions).
        let now = ContinuousClock.now
        switch loop.acquire(service: exchange.serviceID, tried: tried, waiter: self, now: now) {
        case .leased(let lease):
            leased(lease, now: now)
        case .queued:
            break  // `leased` or `queueTimedOut` comes from the pool's events.
        case .unavailable(let triedAny):
            run(machine.unavailable(triedAny: triedAny))
        }
    }

    /// The pool gave a replica (at once, or to a waiting request when one became ready).
    func leased(_ lease: GatewayLoop.Pool.Lease) {
        leased(lease, now: .now)
    }

    private func leased(_ lease: GatewayLoop.Pool.Lease, now: ContinuousClock.Instant) {
        guard let exchange else { return }
        loop.recordStart(serviceID: exchange.serviceID, id: lease.replica.id)
        // The lease's optional connection read once (each read is an outlined copy through its metadata).
        let upstream = lease.connection?.handler
        exchange.upstream = upstream
        run(machine.leased(lease.replica, connected: upstream != nil, now: now))
    }

    /// The wait for a ready replica ended in vain (`queue_timeout`, or none is starting any more).
    func waitFailed() {
        run(machine.queueTimedOut())
    }

    private func connect(_ replica: UpstreamBalancer.Replica) {
        guard let service = exchange?.serviceID else { return }
        connectAttempt += 1
        let attempt = connectAttempt
        loop.connect(port: replica.port).whenComplete { [weak self] result in
            guard let self, attempt == self.connectAttempt, self.machine.phase == .connecting,
                let exchange = self.exchange
            else {
                // The try was given up meanwhile (and accounted for by the machine): the connection may serve others.
                if case .success(let upstream) = result {
                    self?.loop.release(upstream, service: service, replica: replica, reusable: true)
                }
                return
            }
            switch result {
            case .success(let upstream):
                exchange.upstream = upstream
                self.run(self.machine.connected(now: .now))
            case .failure:
                self.run(self.machine.connectFailed())
            }
        }
    }

    /// Writes the request head (and the body buffered so far) to the try's connection.
    private func send() {
        guard let exchange, let upstream = exchange.upstream else { return }
        upstream.client = self
        upstream.uses += 1
        if !clientWritable { upstream.setReading(false) }
        exchange.responseBuffer = nil
        exchange.responseProgress = HeadScanProgress()
        exchange.responseKeepAlive = true
        exchange.upstreamStartedAt = NIODeadline.now()
        if machine.requestDone ?? true {
            upstream.writeAndFlush(exchange.upstreamHead)
        } else {
            upstream.write(exchange.upstreamHead)
            forwardRequestBody()
        }
    }

    private func startTunnel() {
        guard let exchange, let upstream = exchange.upstream else { return }
        exchange.upstream = nil
        self.exchange = nil
        tunnel = upstream
        if inbound.readableBytes > 0, let rest = inbound.readSlice(length: inbound.readableBytes) {
            upstream.write(rest)
            upstream.flush()
        }
        setReading(true)
    }

    /// Writes one of the gateway's own error responses.
    private func respond(_ failure: ExchangeMachine.Failure, close: Bool) {
        guard let context else { return }
        let requestID = refusal?.requestID ?? exchange?.requestID ?? loop.requestIDs.nextID()
        let buffer = GatewayErrorResponse.make(
            status: failure.status, message: message(failure), requestID: requestID.text, close: close,
            allocator: context.channel.allocator
        )
        writeToClient(buffer)
    }

    /// The failure in words for the response body.
    func message(_ failure: ExchangeMachine.Failure) -> String {
        let service = exchange?.service ?? "?"
        switch failure {
        case .refused(_, let message): return message
        case .noReadyReplica, .queueTimedOut: return "no ready replica of \(service)"
        case .everyReplicaFailed: return "every replica of \(service) failed"
        case .connectFailed(let replica): return "could not connect to \(service).\(replica.index)"
        case .closedBeforeAnswering(let replica):
            return "\(service).\(replica.index) closed the connection before answering"
        case .badResponse(let replica, let why): return "\(service).\(replica.index) answered with \(why)"
        case .timedOut(let replica): return "\(service).\(replica.index) did not answer in time"
        case .deadlinePassed: return "no response within the route's deadline"
        case .bodyTooLarge(let limit): return "body larger than \(limit) bytes"
        case .invalidBody(let why): return why
        }
    }

    /// The supervisor declared a replica dead (failed liveness or `gateway_failures`): see `ExchangeMachine`.
    func replicaDied(service: String, id: Int) {
        guard let exchange, exchange.service == service else { return }
        run(machine.replicaDied(id: id))
    }

    /// The upstream connection closed (the replica closed it, or it failed).
    func upstreamClosed(_ upstream: UpstreamHandler) {
        if tunnel === upstream {
            tunnel = nil
            run(machine.upstreamClosed())
            return
        }
        guard let exchange, exchange.upstream === upstream else { return }
        exchange.upstream = nil
        // `responseBuffer` is set by the response's first byte (`send` clears it): a close before it may be a stale
        // keep-alive connection, which the machine tries again on a new one.
        run(machine.upstreamClosed(responseStarted: exchange.responseBuffer != nil))
    }

    /// Bytes written to the client that it has not taken yet.
    var pendingOutboundBytes: Int {
        (try? context?.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
    }
}
