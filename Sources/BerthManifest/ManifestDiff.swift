/// What applying an edited manifest to a running project changes (`berth reload`), service by service.
///
/// Pure: the two loaded manifests in, the plan out. A service has *changed* when anything its processes run with
/// differs (command, environment after interpolation and `env_file`, `env_inherit`, workdir, user, probes, port mode,
/// restart and stop settings, `build:`); `replicas`, `depends_on` and `rollout` alone do not restart anything. Gateway
/// listen addresses, turning TLS on or off and the admin listener cannot change while the daemon runs: they are
/// `refused`; the gateway's other settings (`balance`, timeouts, limits, `access_log`, `trust_forwarded`...) and
/// renewed certificates are applied.
public struct ManifestDiff: Sendable, Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    /// Changed services, with the names of the keys that differ.
    public var changed: [String: [String]] = [:]
    /// Services whose manifest `replicas` value changed, with the new value.
    public var rescaled: [String: Int] = [:]
    /// Services that run on undisturbed.
    public var unchanged: [String] = []
    public var routesChanged = false
    /// Gateway settings other than routes, listen addresses and TLS changed: applied on the fly.
    public var gatewaySettingsChanged = false
    /// Changes that need a daemon restart, as messages.
    public var refused: [String] = []

    public init(from old: Manifest, to new: Manifest) {
        let oldNames = Set(old.services.keys)
        let newNames = Set(new.services.keys)
        added = newNames.subtracting(oldNames).sorted()
        removed = oldNames.subtracting(newNames).sorted()
        for name in oldNames.intersection(newNames).sorted() {
            let before = old.services[name]!
            let after = new.services[name]!
            let fields = Self.changedFields(before, after)
            if fields.isEmpty { unchanged.append(name) } else { changed[name] = fields }
            if before.replicas != after.replicas { rescaled[name] = after.replicas }
        }
        routesChanged = Self.routes(old.gateway) != Self.routes(new.gateway)
        if old.project != new.project { refused.append("restart the daemon to change the project name") }
        switch (old.gateway, new.gateway) {
        case (nil, nil):
            break
        case (nil, .some), (.some, nil):
            refused.append("restart the daemon to add or remove the gateway")
        case (.some(let before), .some(let after)):
            if before.listen != after.listen { refused.append("restart the daemon to change gateway.listen") }
            // Other certificate files for the same addresses load on reload (Gateway+Certificates); turning TLS
            // on or off for an address rebuilds its listener.
            if Set(before.tls.keys) != Set(after.tls.keys) {
                refused.append("restart the daemon to turn TLS on or off for a listen address")
            }
            var beforeRest = before
            var afterRest = after
            beforeRest.routes = []
            afterRest.routes = []
            beforeRest.location = nil
            afterRest.location = nil
            beforeRest.listen = []
            afterRest.listen = []
            beforeRest.tls = [:]
            afterRest.tls = [:]
            gatewaySettingsChanged = beforeRest != afterRest
        }
        if Self.admin(old.admin) != Self.admin(new.admin) { refused.append("restart the daemon to change admin") }
    }

    /// The service's build output changed (its `build:` step ran since its replicas started): it rolls even if the
    /// manifest did not change it.
    public mutating func markRebuilt(_ name: String) {
        if let position = unchanged.firstIndex(of: name) {
            unchanged.remove(at: position)
            changed[name] = ["build output"]
        } else if let fields = changed[name], !fields.contains("build output") {
            changed[name] = fields + ["build output"]
        }
    }

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && changed.isEmpty && rescaled.isEmpty && !routesChanged
            && !gatewaySettingsChanged
    }

    /// The plan, one line per step, for `berth reload --dry-run` and the answer to a reload.
    public var plan: [String] {
        var lines: [String] = []
        lines += refused.map { "refused: \($0)" }
        lines += added.map { "start \($0) (new)" }
        lines += changed.keys.sorted().map { "roll \($0) (changed: \(changed[$0]!.joined(separator: ", ")))" }
        lines += rescaled.keys.sorted().map { "scale \($0) to \(rescaled[$0]!)" }
        lines += removed.map { "drain and stop \($0) (removed)" }
        if routesChanged { lines.append("replace the gateway routes") }
        if gatewaySettingsChanged { lines.append("apply the changed gateway settings") }
        if lines.isEmpty { lines.append("nothing to change") }
        return lines
    }

    /// The keys whose change restarts a service's replicas.
    static func changedFields(_ before: ServiceSpec, _ after: ServiceSpec) -> [String] {
        var fields: [String] = []
        if before.command != after.command { fields.append("command") }
        // Secrets compare by fingerprint (`SecretValue`): a changed secret rolls the service like any env change.
        if before.environment != after.environment || before.secrets != after.secrets { fields.append("env") }
        if before.envInherit != after.envInherit { fields.append("env_inherit") }
        if before.workdir != after.workdir { fields.append("workdir") }
        if before.user != after.user || before.group != after.group { fields.append("user") }
        if before.port != after.port { fields.append("port") }
        if before.ready != after.ready { fields.append("ready") }
        if before.health != after.health || before.gatewayFailures != after.gatewayFailures {
            fields.append("health")
        }
        if before.restart != after.restart { fields.append("restart") }
        if before.stop != after.stop { fields.append("stop") }
        if before.notify != after.notify { fields.append("notify") }
        if before.limits != after.limits { fields.append("limits") }
        if stripped(before.build) != stripped(after.build) { fields.append("build") }
        return fields
    }

    static func stripped(_ build: BuildSpec?) -> BuildSpec? {
        guard var build else { return nil }
        build.location = nil
        return build
    }

    static func routes(_ gateway: GatewaySpec?) -> [RouteSpec] {
        (gateway?.routes ?? []).map { route in
            var route = route
            route.location = nil
            return route
        }
    }

    static func admin(_ admin: AdminSpec?) -> AdminSpec? {
        guard var admin else { return nil }
        admin.location = nil
        return admin
    }
}
