import BerthManifest
import BerthSupervisorCore

/// One service at run time: the pure `ServiceMachine` over the supervisor's revisions (which carry the whole spec).
typealias ServiceRuntime = ServiceMachine<ServiceRevision>

extension ServiceMachine where Revision == ServiceRevision {
    init(spec: ServiceSpec, drainBeforeStop: Bool = false, state: State = .stopped) {
        self.init(
            revision: ServiceRevision(spec: spec, generation: 1, drainBeforeStop: drainBeforeStop),
            desired: spec.replicas, state: state)
    }

    var spec: ServiceSpec { revision.spec }
    var policy: ReplicaPolicy { revision.policy }
}

extension ServiceRevision: ReplicaTemplate {
    func fixedPort(index: Int) -> Int? {
        switch spec.port {
        case .none, .auto: nil
        case .base(let base): base + index
        }
    }
}
