import GRPCCore

/// gRPC's standard health service (`grpc.health.v1.Health/Check`), which Berth's `grpc:` readiness probe and
/// Kubernetes' grpc probe call: the server's overall status (service "") and each named service are SERVING while
/// the process serves. No grpc-swift-extras among the mirrored packages, so this is the few lines it takes.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    /// The fully qualified names of the services this server offers, e.g. `shop.inventory.v1.Inventory`.
    public var services: Set<String>

    public init(services: Set<String>) {
        self.services = services
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard request.service.isEmpty || services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = .serving
        return response
    }
}
