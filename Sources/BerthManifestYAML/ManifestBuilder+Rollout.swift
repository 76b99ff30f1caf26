public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `rollout: { max_surge, max_unavailable, ready_timeout }`; both counts 0 would never make progress.
    func rolloutSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> RolloutSpec {
        var spec = RolloutSpec()
        guard
            let reader = MappingReader(
                node, key: "rollout", section: ManifestSchema.rollout,
                owner: "'rollout' of service '\(service)'", context: context)
        else { return spec }
        keyLocations.merge(reader.keyLocations(prefix: "rollout")) { _, new in new }
        spec.maxSurge = reader.int("max_surge", minimum: 0) ?? spec.maxSurge
        spec.maxUnavailable = reader.int("max_unavailable", minimum: 0) ?? spec.maxUnavailable
        spec.readyTimeout = reader.duration("ready_timeout", positive: true) ?? spec.readyTimeout
        if spec.maxSurge == 0, spec.maxUnavailable == 0 {
            context.error(
                "'rollout' of service '\(service)': max_surge and max_unavailable cannot both be 0 "
                    + "(the rollout could never replace a replica)",
                at: reader["max_surge"] ?? reader["max_unavailable"])
        }
        return spec
    }
}
