public import BerthManifest
import Yams

extension ManifestSchema {
    /// `ready: { grpc: { service: NAME } }`.
    public static let grpcProbe = Section("grpc probe", keys: ["service"])
}

extension ManifestBuilder {
    /// The `grpc` key of a probe: `grpc: true` (the server's overall status) or `grpc: { service: NAME }`; nil when
    /// absent, `false`, or wrong (with a diagnostic).
    func grpcProbe(_ reader: MappingReader, key: String) -> ProbeSpec.Check? {
        guard let node = reader["grpc"] else { return nil }
        if case .mapping = node {
            guard
                let grpc = MappingReader(
                    node, key: "grpc", section: ManifestSchema.grpcProbe,
                    owner: "'\(key).grpc'", context: context)
            else { return nil }
            guard grpc.unknownKeys.isEmpty else { return nil }
            guard let name = grpc["service"] else { return .grpc(service: nil) }
            guard let service = grpc.string("service") else { return nil }
            guard !service.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                context.error("'\(key).grpc.service' must not contain control characters", at: name)
                return nil
            }
            return .grpc(service: service.isEmpty ? nil : service)
        }
        switch node.text {
        case "true", "True", "TRUE": return .grpc(service: nil)
        case "false", "False", "FALSE": return nil
        default:
            context.error("'\(key).grpc' must be true or a mapping with 'service', got \(node.summary)", at: node)
            return nil
        }
    }
}
