import BerthControlProtocol
import BerthManifest

/// What `berth run SERVICE -- CMD` executes: the command with the environment, workdir and user a replica of the
/// service gets, computed from the manifest alone (pure, so that tests need no process).
///
/// The base environment is the CLI's, filtered by the service's `env_inherit` as berthd filters its own; per-replica
/// values that a one-off does not have (`PORT`, `BERTH_REPLICA`, `BERTH_INSTANCE`) take their defaults or are empty.
struct OneOffPlan: Equatable {
    var arguments: [String]
    var environment: [String: String]
    var workdir: String
    /// The uid and gid to switch to (with the user's supplementary groups); nil keeps the caller's.
    var account: Account?

    struct Account: Equatable {
        var name: String
        var uid: UInt32
        var gid: UInt32
    }

    /// Variables of berth's own (and of a supervisor above it) that a service never inherits.
    static let ownVariables: Set<String> = [
        "BERTH_SOCKET", "BERTH_STATE_DIR", "BERTH_FILE", "BERTH_PROFILES",
        "BERTH_DAEMON", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
    ]

    /// - Parameters:
    ///   - command: the command to run; empty runs the service's own `command` once.
    ///   - currentUID: who runs `berth run`; only root may switch to the service's `user:`.
    ///   - replica: for `berth exec SERVICE.N`, that replica's index and port (`BERTH_REPLICA`, `PORT`).
    ///   - addresses: the values of `${services.NAME.port|host}` (see `addresses(of:in:status:)`).
    init(
        _ manifest: Manifest, service name: String, command: [String], environment base: [String: String],
        currentUID: UInt32, replica: (index: Int, port: Int?)? = nil, addresses: [String: String] = [:],
        lookUp: (String) -> SystemAccount? = SystemAccount.user,
        groupID: (String) -> UInt32? = SystemAccount.groupID
    ) throws(CLIFailure) {
        guard let spec = manifest.services[name] else {
            do {
                _ = try ServiceSelection(manifest, named: [name], profiles: [])
            } catch {
                throw CLIFailure(.usage, error.description)
            }
            throw CLIFailure(.usage, "no service '\(name)' in the manifest")
        }
        let withheld = manifest.withheldVariables.union(Self.ownVariables)
        var environment = base.filter { spec.envInherit.inherits($0.key) && !withheld.contains($0.key) }
        var values = ["BERTH_PROJECT": manifest.project, "BERTH_SERVICE": name]
        if let url = Self.gatewayURL(manifest) { values["BERTH_GATEWAY_URL"] = url }
        if let replica {
            values["BERTH_REPLICA"] = String(replica.index)
            if let port = replica.port { values["PORT"] = String(port) }
        }
        if let user = spec.user {
            guard let found = lookUp(user) else {
                throw .failed("service \(name): no user '\(user)' on this machine")
            }
            let gid = spec.group.flatMap(groupID) ?? found.gid
            if spec.group != nil, spec.group.flatMap(groupID) == nil {
                throw .failed("service \(name): no group '\(spec.group!)' on this machine")
            }
            if found.uid != currentUID || (currentUID != 0 && gid != found.gid) {
                guard currentUID == 0 else {
                    throw .failed(
                        "service \(name) runs as \(user): only root can switch to it (run berth run as "
                            + "root, e.g. with sudo)")
                }
            }
            account = Account(name: found.name, uid: found.uid, gid: gid)
            environment.merge(["HOME": found.home, "USER": found.name, "LOGNAME": found.name]) { $1 }
        } else {
            account = nil
        }
        // Service addresses fill in references only; they are no variables of their own.
        let expanded = values.merging(addresses) { $1 }
        for (key, value) in spec.environment {
            environment[key] = ReplicaVariables.expand(value, values: expanded)
        }
        for (key, secret) in spec.secrets {
            environment[key] = ReplicaVariables.expand(secret.revealed, values: expanded)
        }
        environment.merge(values) { $1 }
        arguments = (command.isEmpty ? spec.command : command).map {
            ReplicaVariables.expand($0, values: expanded)
        }
        self.environment = environment
        workdir = spec.workdir
    }

    /// The gateway's first plain-HTTP address (else its first HTTPS one), as berthd gives replicas.
    static func gatewayURL(_ manifest: Manifest) -> String? {
        guard let gateway = manifest.gateway,
            let listen = gateway.listen.first(where: { gateway.tls[$0] == nil }) ?? gateway.listen.first
        else { return nil }
        var host = listen.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "\(gateway.tls[listen] == nil ? "http" : "https")://\(host):\(listen.port)"
    }

    /// `${services.NAME.port}` and `${services.NAME.host}` of `spec`, as berthd fills them in for a replica: the
    /// port of NAME's lowest replica with one in the running daemon's `status` (else a fixed base port), host
    /// 127.0.0.1. `missing` names the services whose port is unknown (no daemon, or not running; `port: auto`).
    static func addresses(
        of spec: ServiceSpec, in manifest: Manifest, status: StatusResponse?
    ) -> (values: [String: String], missing: [String]) {
        var values: [String: String] = [:]
        var missing: [String] = []
        for (address, _) in ServiceAddress.references(of: spec) where values[address.variable] == nil {
            switch address.part {
            case .host:
                values[address.variable] = "127.0.0.1"
            case .port:
                let replicas = status?.services.first { $0.name == address.service }?.replicas ?? []
                if let port = replicas.sorted(by: { $0.index < $1.index }).lazy.compactMap(\.port).first {
                    values[address.variable] = String(port)
                } else if case .base(let base)? = manifest.services[address.service]?.port {
                    values[address.variable] = String(base)
                } else {
                    missing.append(address.service)
                }
            }
        }
        return (values, missing)
    }
}
