import BerthGatewayCore
public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `protocol: http1 | h2c | grpc`: how the gateway speaks to the service's replicas (default http1). An HTTP/2
    /// protocol needs a port the gateway can reach.
    func upstreamProtocol(_ reader: MappingReader, service: String, port: PortMode) -> UpstreamProtocol {
        guard let text = reader.string("protocol") else { return .http1 }
        guard let value = UpstreamProtocol(rawValue: text) else {
            let names = UpstreamProtocol.allCases.map(\.rawValue)
            let hint = context.hint(for: text, among: names)
            context.error(
                "'protocol' of service '\(service)' must be one of \(names.joined(separator: ", ")), "
                    + "got '\(text)'\(hint)",
                at: reader["protocol"])
            return .http1
        }
        if value.isHTTP2, case .none = port {
            context.error(
                "service '\(service)' declares 'protocol: \(text)' but has no 'port': the gateway reaches its replicas "
                    + "on their port",
                at: reader["protocol"])
        }
        return value
    }
}
