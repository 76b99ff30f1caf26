import Foundation
import ShopKit

@testable import OrderService

/// An order store on a SQLite file of its own, migrated; the database is closed and the file and its companions
/// are removed after `body`.
func withOrderStore(_ body: (OrderStore, ShopDatabase) async throws -> Void) async throws {
    let path = NSTemporaryDirectory() + "order-test-\(UUID().uuidString).sqlite"
    defer {
        for suffix in ["", "-wal", "-shm", ".writer-lock"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
    let database = try await ShopDatabase.open(path: path)
    try await database.migrate(OrderStore.migrations)
    try await body(OrderStore(database: database), database)
    try await database.close()
}
