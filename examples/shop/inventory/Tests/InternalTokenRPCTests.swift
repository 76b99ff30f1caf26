import Foundation
import GRPCCore
import GRPCInProcessTransport
import ShopKit
import ShopRPC
import Testing

@testable import InventoryService

/// The saga's gRPC calls need the internal token, as the server is built by `ShopRPCServer` (the gateway routes
/// `/shop.inventory.v1.Inventory` for anyone, so before the check anyone could hold all of an item's stock); the
/// health service answers without it (Berth's and Kubernetes' probes carry none).
@Suite struct InternalTokenRPCTests {
    @Test func callsWithoutTheTokenAreRefusedAndProbesAreNot() async throws {
        try await withInventoryStore { store in
            let token = InternalToken(String(repeating: "t", count: 64))
            let name = Shop_Inventory_V1_Inventory.descriptor.fullyQualifiedService
            // A server as ShopRPCServer builds it, and a client with `interceptors`, on a transport of their own.
            func withClient(
                _ interceptors: [any ClientInterceptor],
                _ body: (GRPCClient<InProcessTransport.Client>) async throws -> Void
            ) async throws {
                let transport = InProcessTransport()
                try await withGRPCServer(
                    transport: transport.server,
                    services: [InventoryRPC(store: store), HealthService(services: [name])],
                    interceptorPipeline: ShopRPCServer.interceptors(token: token, serviceNames: [name])
                ) { server in
                    try await withGRPCClient(transport: transport.client, interceptors: interceptors) { client in
                        try await body(client)
                    }
                    server.beginGracefulShutdown()
                }
            }
            let request = InventoryRPCTests.reserve("1", 5)
            // No token, then a wrong one: UNAUTHENTICATED, and the stock is untouched; the health service answers.
            for interceptors in [[], [InternalTokenSender(token: InternalToken(String(repeating: "x", count: 64)))]] {
                try await withClient(interceptors) { client in
                    let error = await InventoryRPCTests.failure {
                        try await Shop_Inventory_V1_Inventory.Client(wrapping: client).reserve(request)
                    }
                    #expect(error?.code == .unauthenticated)
                    var check = Grpc_Health_V1_HealthCheckRequest()
                    check.service = name
                    let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(check)
                    #expect(health.status == .serving)
                }
            }
            #expect(try await store.item("mug")?.stock == 5)
            try await withClient([InternalTokenSender(token: token)]) { client in
                let reservation = try await Shop_Inventory_V1_Inventory.Client(wrapping: client).reserve(request)
                #expect(reservation.totalCents == 6000)
            }
        }
    }
}
