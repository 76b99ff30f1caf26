/// How a service's replicas get their listening port (exported to them as `PORT`).
public enum PortMode: Sendable, Codable, Equatable {
    /// The service does not listen; it cannot be routed to or probed over HTTP/TCP.
    case none
    /// The supervisor picks a free port per replica.
    case auto
    /// Replica `i` gets `base + i`.
    case base(Int)
}
