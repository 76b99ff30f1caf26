import Foundation
import ShopKit

@testable import PaymentService

/// A payment store on a SQLite file of its own, migrated, with a limit of 1,000.00 per charge; the file and its
/// companions are removed after `body`.
func withPaymentStore(_ body: (PaymentStore) async throws -> Void) async throws {
    let path = NSTemporaryDirectory() + "payment-test-\(UUID().uuidString).sqlite"
    defer {
        for suffix in ["", "-wal", "-shm", ".writer-lock"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
    let database = try await ShopDatabase.open(path: path)
    try await database.migrate(PaymentService.migrations)
    try await body(PaymentStore(database: database, rules: PaymentRules(limitCents: 100_000)))
    try await database.close()
}
