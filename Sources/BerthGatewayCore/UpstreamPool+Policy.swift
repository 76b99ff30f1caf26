extension UpstreamPool {
    /// `berth reload` changed `balance`: every service's balancer picks by the new policy from its next pick on.
    /// Nothing else changes: in-flight counts (which `least_conn` and `p2c` read, and drains wait for), ejections
    /// and their cool-downs, waiters and idle connections carry over, so the switch costs no request.
    public mutating func setPolicy(_ policy: UpstreamBalancer.Policy) {
        guard policy != self.policy else { return }
        self.policy = policy
        for index in slots.indices { slots[index].balancer.policy = policy }
    }
}
