import BerthGatewayCore
import NIOCore

/// Draining waits for long-lived exchanges: requests in flight (long polls, streaming responses) are counted by the
/// pool until their last byte; tunnels (a WebSocket after its 101) by `tunnels`, until the client connection closes.
/// `Gateway.drain` bounds the wait by the service's stop timeout.
extension GatewayLoop {
    /// A 101 made `client`'s connection a tunnel to `replica`. Called before the try ends for the pool, so that a
    /// drain never sees the replica idle in between.
    func tunnelOpened(_ client: ClientHandler, service: String, replica: UpstreamBalancer.Replica) {
        tunnels.opened(ObjectIdentifier(client), on: .init(service: service, id: replica.id), index: replica.index)
    }

    /// A client connection closed (called for each one; a tunnel ends with its client connection).
    func tunnelClosed(_ client: ClientHandler) {
        guard let replica = tunnels.closed(ObjectIdentifier(client)) else { return }
        completeDrain(Pool.ReplicaKey(service: replica.service, id: replica.id))
    }

    /// The pool says a draining replica has no request in flight any more: the drain is complete unless tunnels to
    /// it are still open (then the last one to close completes it).
    func requestsDrained(_ key: Pool.ReplicaKey) {
        guard tunnels.requestsDrained(.init(service: key.service, id: key.id)) else { return }
        completeDrain(key)
    }

    /// Takes the replica out of rotation; succeeds once its requests and tunnels ended, or at `timeout`, whichever
    /// comes first (the replica is then stopped, which ends what is left).
    func drain(service: String, id: Int, timeout: Duration) -> EventLoopFuture<Void> {
        let key = Pool.ReplicaKey(service: service, id: id)
        let drained = drain(service: service, id: id)
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self, let promises = self.drains[key] else { return }
            // Only this drain's promise: another drain of the same replica keeps its own timeout.
            let (mine, others) = (
                promises.filter { $0.futureResult === drained }, promises.filter { $0.futureResult !== drained }
            )
            self.drains[key] = others.isEmpty ? nil : others
            self.logDrainTimeout(key, timeout: timeout)
            for promise in mine { promise.succeed() }
        }
        drained.whenComplete { _ in timer.cancel() }
        return drained
    }

    /// Says what the stop is about to cut, so that an operator who sees WebSockets dropped on a deploy knows why (the
    /// replica is named by its index, as users know it).
    private func logDrainTimeout(_ key: Pool.ReplicaKey, timeout: Duration) {
        let balancer = pool.balancer(key.service)
        let requests = balancer?.inFlight(id: key.id) ?? 0
        let open = tunnels.count(.init(service: key.service, id: key.id))
        guard requests > 0 || open > 0 else { return }
        let index = balancer?.replica(id: key.id)?.index ?? tunnels.index(.init(service: key.service, id: key.id))
        let name = index.map { "\(key.service).\($0)" } ?? "a replica of \(key.service)"
        let text =
            "\(name) still has \(requests) requests in flight and \(open) open tunnels after its stop timeout "
            + "(\(Self.text(timeout))): stopping it ends them"
        logger.warning(
            "\(text)",
            metadata: [
                "event": "drain_timeout", "service": "\(key.service)", "requests": "\(requests)", "tunnels": "\(open)",
            ])
    }

    private func completeDrain(_ key: Pool.ReplicaKey) {
        for promise in drains.removeValue(forKey: key) ?? [] { promise.succeed() }
    }

}
