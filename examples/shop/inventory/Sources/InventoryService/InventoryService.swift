import Foundation
import ShopKit
import ShopRPC

/// The inventory service: items with stock, and reservations that take stock without ever overselling, even with
/// several replicas on one SQLite file (every change is a `BEGIN IMMEDIATE` transaction).
public enum InventoryService {
    static let migrations = [
        """
        CREATE TABLE items (
            sku TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
            stock INTEGER NOT NULL CHECK (stock >= 0)
        );
        CREATE TABLE reservations (
            order_id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            total_cents INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE reservation_lines (
            order_id TEXT NOT NULL REFERENCES reservations(order_id),
            sku TEXT NOT NULL REFERENCES items(sku),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            price_cents INTEGER NOT NULL,
            PRIMARY KEY (order_id, sku)
        );
        CREATE INDEX reservations_held ON reservations (status, expires_at)
        """
    ]

    /// The seed data: a few items with stock, inserted once (existing SKUs are left alone).
    static let seedItems: [(sku: String, name: String, price: Int, stock: Int)] = [
        ("mug", "Berth mug", 1200, 100),
        ("tshirt", "Berth T-shirt", 2500, 50),
        ("sticker", "Sticker pack", 300, 1_000_000),
        ("poster", "Harbour poster", 1800, 20),
        ("lamp", "Lighthouse lamp", 150_000, 5),
    ]

    static func database(_ environment: ServiceEnvironment) async throws -> ShopDatabase {
        try await ShopDatabase.open(path: environment.dataDirectory + "/inventory.sqlite")
    }

    public static func migrate(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let applied = try await database.migrate(migrations)
        ShopLog.line("inventory: \(applied) migrations applied to \(database.path)")
        try await database.close()
    }

    public static func seed(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let inserted = try await database.write { session in
            var inserted = 0
            for item in seedItems {
                inserted += try session.execute(
                    "INSERT OR IGNORE INTO items (sku, name, price_cents, stock) VALUES (?, ?, ?, ?)",
                    [.text(item.sku), .text(item.name), .int(item.price), .int(item.stock)]
                )
            }
            return inserted
        }
        ShopLog.line("inventory: seeded \(inserted) new items (\(seedItems.count - inserted) already there)")
        try await database.close()
    }

    public static func serve(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let store = InventoryStore(
            database: database,
            ttlSeconds: try environment.int("SHOP_RESERVATION_TTL", default: 20)
        )
        let router = ServiceMain.router()
        InventoryRoutes(store: store, token: try InternalToken.load(environment)).add(to: router)
        let sweep: @Sendable () async -> Void = {
            await ServiceMain.every(.seconds(1), "inventory expiry") {
                let released = try await store.releaseExpired(now: Date.nowMilliseconds)
                if released > 0 { ShopLog.line("inventory: released \(released) expired reservations") }
            }
        }
        try await ServiceMain.serve(router, name: "inventory", environment: environment, background: [sweep])
    }

    /// The gRPC API for the order saga (`serve-grpc`): its own service entry in the manifest (`inventory-rpc`,
    /// `protocol: grpc`), on the same SQLite file as the REST replicas, whose sweepers release expired holds.
    public static func serveRPC(_ environment: ServiceEnvironment) async throws {
        let store = InventoryStore(
            database: try await database(environment),
            ttlSeconds: try environment.int("SHOP_RESERVATION_TTL", default: 20)
        )
        try await ShopRPCServer.serve(
            [InventoryRPC(store: store)], serviceNames: [Shop_Inventory_V1_Inventory.descriptor.fullyQualifiedService],
            name: "inventory-rpc", environment: environment)
    }
}
