import GRPCCore
import ShopGRPCTransport
import ShopKit

/// The process's gRPC client for calls through the gateway (`BERTH_GATEWAY_URL`, spoken to over h2c with prior
/// knowledge): one long-lived HTTP/2 connection that every call of the process multiplexes, so a call costs no
/// TCP handshake and no connection of its own; the gateway balances each call (each stream) over the ready
/// replicas of the service the call's path names.
public final class ShopRPCClient: Sendable {
    public let client: GRPCClient<H2cClientTransport>
    /// Runs the client's connections for the life of the process (the client stops for good when it returns).
    private let connections: Task<Void, Never>

    /// Connects (lazily, at the first call) to the gateway named by `BERTH_GATEWAY_URL`.
    public init(environment: ServiceEnvironment) throws {
        let gateway = try environment.gateway()
        // An IPv4 address (Berth's 127.0.0.1), or a name resolved when connecting (an exported manifest's gateway
        // Service). The shop's own h2c transport: no stream channel or async channel per call (H2cClientTransport).
        let transport = H2cClientTransport(host: gateway.host, port: gateway.port)
        let client = GRPCClient(
            transport: transport, interceptors: [InternalTokenSender(token: try InternalToken.load(environment))])
        self.client = client
        connections = Task {
            do {
                try await client.runConnections()
            } catch {
                ShopLog.line("gRPC client stopped: \(error)")
            }
        }
    }
}
