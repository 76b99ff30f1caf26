import BerthGatewayCore
import NIOCore

/// The loop's replica picking for callers that hold their own connections (the HTTP/2 side): pick, count, finish
/// and wait, all on the one `UpstreamPool`, so that their streams count, drain and eject like HTTP/1.1 requests.
extension GatewayLoop {
    /// A request waiting for a ready replica through `wait(service:waiter:)`; `resume` gets nil when it timed out.
    final class Waiter: ReplicaWaiter {
        let deadline: NIODeadline
        let resume: (UpstreamBalancer.Replica?) -> Void
        /// Set by `wait`.
        weak var loop: GatewayLoop?
        var service = ""

        init(deadline: NIODeadline, resume: @escaping (UpstreamBalancer.Replica?) -> Void) {
            self.deadline = deadline
            self.resume = resume
        }

        func leased(_ lease: GatewayLoop.Pool.Lease) {
            guard let loop else { return }
            loop.waiters[ObjectIdentifier(self)] = nil
            // The pool counted a try and maybe handed an idle HTTP/1.1 connection; the caller counts its own try
            // with `started`, so both go back.
            if let connection = lease.connection {
                loop.release(connection.handler, service: service, replica: lease.replica, reusable: true)
            }
            loop.finished(service: service, lease.replica, outcome: .notJudged)
            resume(lease.replica)
        }

        func waitFailed() {
            loop?.waiters[ObjectIdentifier(self)] = nil
            resume(nil)
        }
    }

    func pick(service: String, excluding: Set<Int>) -> UpstreamBalancer.Replica? {
        pool.pick(service: service, excluding: excluding, now: .now)
    }

    func started(service: String, id: Int) {
        pool.started(service: service, id: id)
        recordStart(service: service, id: id)
    }

    /// A try on a replica ended; outcomes of an older generation (the replica restarted since) only lower its
    /// in-flight count.
    func finished(service: String, id: Int, generation: Int?, outcome: UpstreamBalancer.Outcome) {
        guard var replica = pool.balancer(service)?.replica(id: id) else { return }
        if let generation { replica.generation = generation }
        finished(service: service, replica, outcome: outcome)
    }

    func canWait(service: String) -> Bool { pool.canWait(service: service) }

    /// Queues the waiter until a replica is ready or `queue_timeout` passed (the pool holds it by identity: the
    /// loop keeps it alive meanwhile).
    func wait(service: String, waiter: Waiter) {
        waiter.loop = self
        waiter.service = service
        waiters[ObjectIdentifier(waiter)] = waiter
        let until = pool.wait(service: service, waiter: ClientRef(handler: waiter), now: .now)
        eventLoop.scheduleTask(in: TimeAmount(until - ContinuousClock.now)) { [weak self] in
            guard let self else { return }
            self.run(self.pool.expireWaiters(now: max(.now, until)))
        }
    }
}
