/// How the gateway speaks to a service's replicas (`protocol:` in the manifest): the gateway needs it because an
/// HTTP/2-only replica (a gRPC server) cannot be reached over HTTP/1.1, and an HTTP/1.1 one not over HTTP/2.
public enum UpstreamProtocol: String, Sendable, Codable, CaseIterable, Hashable {
    /// HTTP/1.1 over pooled keep-alive connections (the default).
    case http1
    /// Cleartext HTTP/2 with prior knowledge: multiplexed connections, every stream balanced on its own.
    case h2c
    /// gRPC: h2c, and the gateway's own errors are gRPC statuses (trailers-only responses).
    case grpc

    /// Whether replicas are spoken to over HTTP/2.
    public var isHTTP2: Bool { self != .http1 }
}
