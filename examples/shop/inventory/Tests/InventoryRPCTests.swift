import Foundation
import GRPCCore
import GRPCInProcessTransport
import ShopKit
import ShopRPC
import Testing

@testable import InventoryService

/// The gRPC handlers on a real SQLite file, called through a real gRPC client and server (in-process transport):
/// stock taken once per order id, the shop's error codes in the metadata, the health service.
@Suite struct InventoryRPCTests {
    typealias Client = Shop_Inventory_V1_Inventory.Client<InProcessTransport.Client>

    func withInventory(
        stock: Int, _ body: (Client, GRPCClient<InProcessTransport.Client>, InventoryStore) async throws -> Void
    ) async throws {
        try await withInventoryStore(stock: stock) { store in
            let transport = InProcessTransport()
            let services: [any RegistrableRPCService] = [
                InventoryRPC(store: store), HealthService(services: ["shop.inventory.v1.Inventory"]),
            ]
            try await withGRPCServer(transport: transport.server, services: services) { _ in
                try await withGRPCClient(transport: transport.client) { client in
                    try await body(Client(wrapping: client), client, store)
                }
            }
        }
    }

    static func reserve(_ order: String, _ quantity: Int64) -> Shop_Inventory_V1_ReserveRequest {
        var line = Shop_Inventory_V1_Line()
        line.sku = "mug"
        line.quantity = quantity
        var request = Shop_Inventory_V1_ReserveRequest()
        request.orderID = order
        request.items = [line]
        return request
    }

    static func ref(_ order: String) -> Shop_Inventory_V1_ReservationRef {
        var ref = Shop_Inventory_V1_ReservationRef()
        ref.orderID = order
        return ref
    }

    /// The call's error; fails the test when the call succeeded.
    static func failure<T>(_ call: () async throws -> T) async -> RPCError? {
        do {
            _ = try await call()
            Issue.record("the call succeeded")
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            Issue.record("not an RPCError: \(error)")
            return nil
        }
    }

    @Test func reserveTakesStockOncePerOrder() async throws {
        try await withInventory(stock: 5) { inventory, _, store in
            let first = try await inventory.reserve(Self.reserve("1", 2))
            #expect(first.status == "held")
            #expect(first.totalCents == 2400)
            #expect(first.created)
            let again = try await inventory.reserve(Self.reserve("1", 2))
            #expect(!again.created)
            let value1 = try await store.item("mug")
            #expect(value1?.stock == 3)
            let value2 = try await inventory.confirm(Self.ref("1"))
            #expect(value2.status == "confirmed")
            let value3 = try await inventory.confirm(Self.ref("1"))
            #expect(value3.status == "confirmed")
        }
    }

    @Test func refusalsCarryTheShopErrorCode() async throws {
        try await withInventory(stock: 1) { inventory, _, store in
            let short = await Self.failure { try await inventory.reserve(Self.reserve("1", 2)) }
            #expect(short?.code == .failedPrecondition)
            #expect(short.map(ShopRPCError.shopCode) == "insufficient_stock")
            let value4 = try await store.item("mug")
            #expect(value4?.stock == 1)

            var unknown = Self.reserve("2", 1)
            unknown.items[0].sku = "anchor"
            let missing = await Self.failure { try await inventory.reserve(unknown) }
            #expect(missing?.code == .notFound)
            #expect(missing.map(ShopRPCError.shopCode) == "unknown_item")

            let empty = await Self.failure { try await inventory.reserve(Self.reserve("", 1)) }
            #expect(empty?.code == .invalidArgument)
            #expect(empty.map(ShopRPCError.shopCode) == "invalid_field")
        }
    }

    @Test func releaseBlocksALateReserveAndConfirm() async throws {
        try await withInventory(stock: 3) { inventory, _, store in
            let value5 = try await inventory.release(Self.ref("7"))
            #expect(value5.status == "released")
            let late = await Self.failure { try await inventory.reserve(Self.reserve("7", 1)) }
            #expect(late.map(ShopRPCError.shopCode) == "reservation_released")
            let confirm = await Self.failure { try await inventory.confirm(Self.ref("7")) }
            #expect(confirm.map(ShopRPCError.shopCode) == "reservation_released")
            let value6 = try await store.item("mug")
            #expect(value6?.stock == 3)
        }
    }

    @Test func healthServiceAnswersServingForItsServices() async throws {
        try await withInventory(stock: 1) { _, client, _ in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            var request = Grpc_Health_V1_HealthCheckRequest()
            let value7 = try await health.check(request)
            #expect(value7.status == .serving)
            request.service = "shop.inventory.v1.Inventory"
            let value8 = try await health.check(request)
            #expect(value8.status == .serving)
            request.service = "shop.Nope"
            #expect(await Self.failure { try await health.check(request) }?.code == .notFound)
        }
    }
}
