/// What the service level needs to know of one revision of a service's spec: the policy its replicas run under,
/// its number, and the fixed port a replica index gets. The supervisor's revision carries the whole spec; keeping
/// `ServiceMachine` generic over this keeps the manifest out of the pure module.
public protocol ReplicaTemplate: Sendable {
    var policy: ReplicaPolicy { get }
    var generation: Int { get }
    /// The port replica `index` listens on when the spec fixes it (a base port gives base+index); nil otherwise.
    func fixedPort(index: Int) -> Int?
}
