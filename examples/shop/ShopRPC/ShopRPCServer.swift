import Dispatch
import Foundation
import GRPCCore
import ShopGRPCTransport
import ShopKit

/// Runs a service's gRPC server: cleartext HTTP/2 on 127.0.0.1:PORT (Berth's gateway speaks h2c to replicas of a
/// `protocol: grpc` service, and its `grpc:` probe calls the health service added here), until SIGTERM/SIGINT,
/// which stop it gracefully: no new calls, the calls in flight finish.
public enum ShopRPCServer {
    /// The shop's calls need the internal token; the health service (probes, Kubernetes) does not.
    public static func interceptors(
        token: InternalToken, serviceNames: Set<String>
    )
        -> [ConditionalInterceptor<any ServerInterceptor>]
    {
        [
            .apply(
                InternalTokenCheck(token: token),
                to: .services(Set(serviceNames.map { ServiceDescriptor(fullyQualifiedService: $0) })))
        ]
    }

    public static func serve(
        _ services: [any RegistrableRPCService], serviceNames: Set<String>, name: String,
        environment: ServiceEnvironment, background: [@Sendable () async -> Void] = []
    ) async throws {
        let port = try environment.port()
        // The shop's own h2c transport: no stream channel or async channel per call (H2cServerTransport); each
        // call's grpc-timeout is kept by a timer on the event loop instead of grpc-swift's Task.sleep.
        let transport = H2cServerTransport(host: "127.0.0.1", port: port)
        let server = GRPCServer(
            transport: transport, services: services + [HealthService(services: serviceNames)],
            interceptorPipeline: interceptors(token: try InternalToken.load(environment), serviceNames: serviceNames))
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { server.beginGracefulShutdown() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let tasks = background.map { work in Task { await work() } }
        defer { tasks.forEach { $0.cancel() } }
        ShopLog.line("\(name) \(environment.replicaLabel) serving gRPC on 127.0.0.1:\(port)")
        try await server.serve()
    }
}
