extension Supervisor {
    /// The gateway's report of a failed request on a replica. With `health: { gateway_failures: N }` the N-th
    /// failure in a row counts as a failed liveness check and restarts the replica.
    public func gatewayFailed(service: String, replica: Int, generation: Int, consecutive: Int, detail: String) {
        guard services[service]?.policy.gatewayFailureThreshold != nil else { return }
        deliver(
            .gatewayFailures(incarnation: generation, consecutive: consecutive, detail: detail),
            service: service, slot: replica)
    }
}
