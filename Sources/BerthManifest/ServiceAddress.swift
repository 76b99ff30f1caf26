/// `${services.NAME.port}` / `${services.NAME.host}`: another service's address in a service's `env` or `command`,
/// so that a dependency on a TCP service (a database, a broker) can use `port: auto`.
///
/// Like the per-replica variables, the reference stays a placeholder when the manifest is loaded and is filled in
/// when each replica starts (`port: auto` has no port before then): the port of the named service's replica 0 and
/// the host it listens on for other services (127.0.0.1).
public struct ServiceAddress: Sendable, Codable, Hashable {
    public enum Part: String, Sendable, Codable, Hashable {
        case port, host
    }

    public var service: String
    public var part: Part

    /// The marker `Interpolation.expand` accepts in `deferring` to defer every `services.NAME.PART` reference.
    package static let anyReference = "services.*"

    /// Parses `services.NAME.port` (the text between `${` and `}`, without a default).
    public init?(reference: String) {
        let parts = reference.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "services", !parts[1].isEmpty, let part = Part(rawValue: String(parts[2]))
        else { return nil }
        self.service = String(parts[1])
        self.part = part
    }

    public init(service: String, part: Part) {
        self.service = service
        self.part = part
    }

    /// The name its value has in `ReplicaVariables.expand`'s values.
    public var variable: String { "services.\(service).\(part.rawValue)" }

    /// Every service address a template (a value with placeholders) refers to.
    public static func references(in template: String) -> [ServiceAddress] {
        guard ReplicaVariables.hasPlaceholders(template) else { return [] }
        var found: [ServiceAddress] = []
        var body: String?
        for character in template {
            if character == ReplicaVariables.open {
                body = ""
            } else if character == ReplicaVariables.close, let current = body {
                let name = current.firstRange(of: ":-").map { String(current[..<$0.lowerBound]) } ?? current
                if let address = ServiceAddress(reference: name) { found.append(address) }
                body = nil
            } else if body != nil {
                body!.append(character)
            }
        }
        return found
    }

    /// Every service address `spec` refers to in its command and environment, with where it is written.
    public static func references(of spec: ServiceSpec) -> [(address: ServiceAddress, key: String)] {
        var found: [(ServiceAddress, String)] = []
        for word in spec.command {
            found += references(in: word).map { ($0, "command") }
        }
        for name in spec.environment.keys.sorted() {
            found += references(in: spec.environment[name]!).map { ($0, "env." + name) }
        }
        for name in spec.secrets.keys.sorted() {
            found += references(in: spec.secrets[name]!.revealed).map { ($0, "env." + name) }
        }
        return found
    }
}
