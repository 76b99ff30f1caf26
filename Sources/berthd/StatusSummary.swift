import BerthControlProtocol

/// The one-line summary berthd sends to systemd as `STATUS=`: e.g. `3/4 replicas ready; backoff: web.1`.
enum StatusSummary {
    static func line(_ status: StatusResponse) -> String {
        let replicas = status.services.flatMap { service in service.replicas.map { (service.name, $0) } }
        let ready = replicas.count { $0.1.ready }
        var line = "\(ready)/\(replicas.count) replicas ready"
        for state in [ReplicaStateName.failed, .backoff] {
            let labels = replicas.filter { $0.1.state == state }.map { "\($0.0).\($0.1.index)" }
            if !labels.isEmpty { line += "; \(state.rawValue): " + labels.joined(separator: ", ") }
        }
        return line
    }
}
