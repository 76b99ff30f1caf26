import GRPCCore
import GRPCNIOTransportHTTP2Posix
import ShopKit

/// The process's gRPC client for calls through the gateway (`BERTH_GATEWAY_URL`, spoken to over h2c with prior
/// knowledge): one long-lived HTTP/2 connection that every call of the process multiplexes, so a call costs no
/// TCP handshake and no connection of its own; the gateway balances each call (each stream) over the ready
/// replicas of the service the call's path names.
public final class ShopRPCClient: Sendable {
    public let client: GRPCClient<HTTP2ClientTransport.Posix>
    /// Runs the client's connections for the life of the process (the client stops for good when it returns).
    private let connections: Task<Void, Never>

    /// Connects (lazily, at the first call) to the gateway named by `BERTH_GATEWAY_URL`.
    public init(environment: ServiceEnvironment) throws {
        let gateway = try environment.gateway()
        // An IPv4 address (Berth's 127.0.0.1), or a name resolved by DNS (an exported manifest's gateway Service).
        let isAddress =
            gateway.host.split(separator: ".").count == 4 && gateway.host.allSatisfy { $0.isNumber || $0 == "." }
        let target: any ResolvableTarget =
            isAddress
            ? ResolvableTargets.IPv4.ipv4(host: gateway.host, port: gateway.port)
            : ResolvableTargets.DNS.dns(host: gateway.host, port: gateway.port)
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // No flush coalescing: it delays each flush by a timer of up to 100 us on the event loop, and each such
        // timer re-arms the loop's timerfd and wakes it once more; a call's frames already go out in one write.
        config.connection.flushCoalescing = nil
        let transport = try HTTP2ClientTransport.Posix(
            target: target, transportSecurity: .plaintext, config: config)
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
