import BerthGatewayCore
import Logging
import NIOCore
import NIOPosix

/// An upstream connection as the pool's handle: compared by identity.
struct UpstreamRef: Hashable {
    let handler: UpstreamHandler

    static func == (lhs: UpstreamRef, rhs: UpstreamRef) -> Bool { lhs.handler === rhs.handler }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(handler)) }
}

/// What waits for a replica in the pool: a client connection (HTTP/1.1 today; an HTTP/2 stream tomorrow).
protocol ReplicaWaiter: AnyObject {
    /// The pool gave a replica, with an idle connection when it had one (the try is already counted in flight).
    func leased(_ lease: GatewayLoop.Pool.Lease)
    /// The wait ended in vain (`queue_timeout`, or no replica is starting any more).
    func waitFailed()
}

/// A waiter as the pool's handle: compared by identity.
struct ClientRef: Hashable {
    unowned let handler: any ReplicaWaiter

    static func == (lhs: ClientRef, rhs: ClientRef) -> Bool { lhs.handler === rhs.handler }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(handler)) }
}

extension GatewayLoop {
    // MARK: Replica set, from the supervisor

    func replicaReady(service: String, id: Int, index: Int, port: Int, generation: Int) {
        run(
            pool.replicaReady(
                service: service, .init(id: id, port: port, generation: generation, index: index), now: .now))
    }

    func replicaLeft(service: String, id: Int) {
        run(pool.replicaLeft(service: service, id: id))
    }

    /// Out of rotation, and every exchange waiting on it is given up as if the replica had closed its connection.
    func replicaDied(service: String, id: Int) {
        replicaLeft(service: service, id: id)
        for client in Array(clients.values) { client.replicaDied(service: service, id: id) }
    }

    func setStarting(service: String, _ starting: Bool) {
        run(pool.setStarting(service: service, starting))
    }

    /// Takes the replica out of rotation and succeeds once its in-flight requests have finished.
    func drain(service: String, id: Int) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        drains[Pool.ReplicaKey(service: service, id: id), default: []].append(promise)
        run(pool.drain(service: service, id: id))
        return promise.futureResult
    }

    // MARK: Requests

    /// A replica for a try (with an idle connection when one is pooled, taken at once), a wait, or none.
    func acquire(
        service: ServiceID, tried: [Int: Int], waiter: any ReplicaWaiter, now: ContinuousClock.Instant = .now
    ) -> Pool.Acquired {
        let acquired = pool.acquire(serviceID: service, tried: tried, waiter: ClientRef(handler: waiter), now: now)
        if case .queued(let moment) = acquired {
            let until = moment.instant
            eventLoop.scheduleTask(in: TimeAmount(until - ContinuousClock.now)) { [weak self] in
                guard let self else { return }
                // At least `until`: NIO's clock and ContinuousClock may round apart, and no other timer comes.
                self.run(self.pool.expireWaiters(now: max(.now, until)))
            }
        }
        return acquired
    }

    func cancelWait(_ client: any ReplicaWaiter, service: ServiceID) {
        pool.cancel(ClientRef(handler: client), serviceID: service)
    }

    /// A try on a replica ended, with the outcome the exchange machine decided.
    func finished(service: ServiceID, _ replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome) {
        let actions = pool.finished(serviceID: service, replica, outcome: outcome, now: .now)
        if !actions.isEmpty { run(actions) }
    }

    /// As `finished(service:_:outcome:)` by the service's name (HTTP/2 streams).
    func finished(service: String, _ replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome) {
        finished(service: pool.serviceID(service), replica, outcome: outcome)
    }

    /// As `release(_:service:replica:reusable:)` by the service's name (HTTP/2 streams).
    func release(_ handler: UpstreamHandler, service: String, replica: UpstreamBalancer.Replica, reusable: Bool) {
        release(handler, service: pool.serviceID(service), replica: replica, reusable: reusable)
    }

    /// Returns a connection to the pool, or closes it when it cannot carry another request.
    func release(_ handler: UpstreamHandler, service: ServiceID, replica: UpstreamBalancer.Replica, reusable: Bool) {
        handler.client = nil
        guard !handler.isClosed else { return }
        let actions = pool.release(
            UpstreamRef(handler: handler), serviceID: service, replica: replica, reusable: reusable)
        if actions.isEmpty {
            handler.idlePlace = (service, replica.id)
            handler.setReading(true)  // Idle connections read, to notice a close at once.
        }
        run(actions)
    }

    /// An idle connection closed: the pool no longer hands it out.
    func forgetIdle(_ handler: UpstreamHandler) {
        guard let (service, id) = handler.idlePlace else { return }  // Never pooled.
        pool.closed(UpstreamRef(handler: handler), serviceID: service, replicaID: id)
    }

    func recordStart(service: String, id: Int) {
        recordStart(serviceID: pool.serviceID(service), id: id)
    }

    func recordStart(serviceID: ServiceID, id: Int) {
        while rates.count <= serviceID { rates.append(RateTable()) }
        rates[serviceID].record(id: id, at: .now())
    }

    /// A new connection to a replica's port (the pool hands out idle ones itself). To the address itself, not to
    /// the name "127.0.0.1": `connect(host:port:)` runs NIO's happy-eyeballs connector with a resolver per
    /// connection, which a `Connection: close` churn against a replica that closes its connections pays every
    /// request.
    func connect(port: Int) -> EventLoopFuture<UpstreamHandler> {
        let loop = self
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(loop: loop))
                }
            }
            .connect(to: address)
            .flatMapThrowing { channel in
                try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
            }
    }

    func closeAllIdle() {
        for connection in pool.takeAllIdle() { connection.handler.close() }
        flushAccessLog()
        accessSink?.close()
    }

    // MARK: The pool's actions

    func run(_ actions: [Pool.Action]) {
        for action in actions {
            switch action {
            case .resume(let waiter, let lease):
                waiter.handler.leased(lease)
            case .timedOut(let waiter), .giveUp(let waiter):
                waiter.handler.waitFailed()
            case .close(let connection):
                connection.handler.close()
            case .drained(let key):
                requestsDrained(key)  // Complete unless tunnels are open (GatewayLoop+Draining).
            case .failed(let key, let generation, let consecutive, let outcome):
                failureObserver?(
                    GatewayFailureReport(
                        service: key.service, replica: key.id, generation: generation, consecutive: consecutive,
                        outcome: outcome))
            case .ejected(let key, let index, let ejection):
                // Named by the replica index users see (`service.N`), not by its slot, which grows with every
                // restart.
                metrics.ejected(service: key.service)
                ejectionObserver?(key.service, index)
                let text =
                    "replica \(key.service).\(index) ejected after \(ejection.consecutiveFailures) failed "
                    + "requests in a row, for \(Self.text(ejection.cooldown))"
                logger.warning(
                    "\(text)",
                    metadata: ["event": "replica_ejected", "service": "\(key.service)", "replica": "\(index)"]
                )
            }
        }
    }

    /// `1.5s`, `500ms`: a cool-down in words for the log.
    static func text(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return "\(Double(milliseconds) / 1000)s"
    }
}
