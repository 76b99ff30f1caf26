import Foundation
import ShopKit

@testable import InventoryService

/// An inventory store on a SQLite file of its own, migrated, holding one item (`mug`, 12.00) with `stock` units;
/// the file and its companions are removed after `body`.
func withInventoryStore(stock: Int = 5, _ body: (InventoryStore) async throws -> Void) async throws {
    let path = NSTemporaryDirectory() + "inventory-test-\(UUID().uuidString).sqlite"
    defer {
        for suffix in ["", "-wal", "-shm", ".writer-lock"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
    let database = try await ShopDatabase.open(path: path)
    try await database.migrate(InventoryService.migrations)
    try await database.write { session in
        try session.execute(
            "INSERT INTO items (sku, name, price_cents, stock) VALUES ('mug', 'Mug', 1200, ?)", [.int(stock)])
    }
    try await body(InventoryStore(database: database, ttlSeconds: 20))
    try await database.close()
}
