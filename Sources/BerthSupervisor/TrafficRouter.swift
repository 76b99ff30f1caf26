public import BerthManifest

/// What the supervisor tells the gateway, at once, about the replicas of routed services.
///
/// A protocol so that the supervisor does not depend on the gateway module (and tests can watch the calls).
public protocol TrafficRouter: Sendable {
    /// `replica` is the slot (unique within the service), `index` the replica index users see.
    func replicaReady(service: String, replica: Int, index: Int, port: Int, generation: Int)
    func replicaLeft(service: String, replica: Int)
    /// The replica is being stopped because it failed (liveness, `gateway_failures`): nothing it has not answered yet
    /// will be answered. Its in-flight requests are replayed elsewhere or failed at once, not left to time out.
    func replicaDied(service: String, replica: Int)
    /// Some replica of the service is starting or restarting: requests should wait for it rather than fail.
    func setStarting(service: String, _ starting: Bool)
    /// Takes the replica out of rotation; returns once its in-flight requests and tunnels (WebSockets) finished or
    /// `timeout` passed.
    func drain(service: String, replica: Int, timeout: Duration) async
    /// `berth reload` changed the routes or other gateway settings (not its listen addresses or TLS): swap them
    /// (routes with their limits and metrics, `balance`, timeouts, `access_log`...) at once.
    func replaceRoutes(_ gateway: GatewaySpec) async
    /// `berth reload`: re-read the HTTPS certificates (compared by contents) and say what changed, one line each.
    func reloadCertificates(_ gateway: GatewaySpec) async -> [String]
}

extension TrafficRouter {
    public func replicaDied(service: String, replica: Int) { replicaLeft(service: service, replica: replica) }
    public func reloadCertificates(_ gateway: GatewaySpec) async -> [String] { [] }
}
