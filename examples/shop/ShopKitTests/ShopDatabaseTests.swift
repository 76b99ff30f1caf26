import Foundation
import ShopKit
import Testing

/// The database layer on a real SQLite file: transactions commit or roll back as a whole, prepared statements are
/// reused without leaking one call's values into the next, and every failure is a `SQLiteFailure` that names the
/// statement.
@Suite struct ShopDatabaseTests {
    func withDatabase(_ body: (ShopDatabase) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "shop-database-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm", ".writer-lock"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        let database = try await ShopDatabase.open(path: path)
        try await database.migrate([
            "CREATE TABLE items (sku TEXT PRIMARY KEY, stock INTEGER NOT NULL CHECK (stock >= 0), note TEXT, data BLOB)"
        ])
        try await body(database)
        try await database.close()
    }

    @Test func aTransactionThatThrowsLeavesNothingBehind() async throws {
        struct Abandon: Error {}
        try await withDatabase { database in
            try await database.write(statement: "INSERT INTO items (sku, stock) VALUES ('a', 5)")
            await #expect(throws: Abandon.self) {
                try await database.write { session in
                    try session.query("UPDATE items SET stock = 0 WHERE sku = 'a'")
                    try session.query("INSERT INTO items (sku, stock) VALUES ('b', 1)")
                    throw Abandon()
                }
            }
            let rows = try await database.read { session in
                try session.query("SELECT sku, stock FROM items ORDER BY sku")
            }
            #expect(rows.map { $0.string("sku") } == ["a"])
            #expect(rows.first?.int("stock") == 5)
        }
    }

    @Test func aConstraintFailureIsASQLiteFailureAndTheNextTransactionWorks() async throws {
        try await withDatabase { database in
            try await database.write(statement: "INSERT INTO items (sku, stock) VALUES ('a', 1)")
            // The same prepared statement fails (CHECK) and is then used again with other values.
            let update = "UPDATE items SET stock = stock - ? WHERE sku = ?"
            let failure = await #expect(throws: SQLiteFailure.self) {
                try await database.write { session in try session.query(update, [.int(2), .text("a")]) }
            }
            #expect(failure?.primaryCode == 19)  // SQLITE_CONSTRAINT
            #expect(failure?.sql == update)
            #expect(failure.map { "\($0)" }?.contains("CHECK constraint failed") == true)
            let changed = try await database.write { session in try session.execute(update, [.int(1), .text("a")]) }
            #expect(changed == 1)
            let stock = try await database.read { session in
                try session.query("SELECT stock FROM items WHERE sku = ?", [.text("a")]).first?.int("stock")
            }
            #expect(stock == 0)
        }
    }

    @Test func valuesRoundTripAndBindingsDoNotLeakIntoTheNextCall() async throws {
        try await withDatabase { database in
            let insert = "INSERT INTO items (sku, stock, note, data) VALUES (?, ?, ?, ?) RETURNING sku, note, data"
            let first = try await database.write(
                statement: insert, [.text("é-1"), .int(3), .text("naïve ✓"), .blob([0, 1, 255])])
            #expect(first.first?.string("sku") == "é-1")
            #expect(first.first?.optionalString("note") == "naïve ✓")
            #expect(first.first?.column("data") == .blob([0, 1, 255]))
            let second = try await database.write(statement: insert, [.text("b"), .int(1), .null, .null])
            #expect(second.first?.optionalString("note") == nil)
            let empty = try await database.write(statement: insert, [.text("c"), .int(1), .text(""), .blob([])])
            #expect(empty.first?.column("note") == .text(""))
            #expect(empty.first?.column("data") == .blob([]))
            #expect(second.first?.column("data") == .null)
            #expect(second.first?.column("missing") == nil)
        }
    }

    @Test func aWrongNumberOfValuesOrBadSQLIsAClearError() async throws {
        try await withDatabase { database in
            let tooFew = await #expect(throws: SQLiteFailure.self) {
                try await database.write(statement: "INSERT INTO items (sku, stock) VALUES (?, ?)", [.text("a")])
            }
            #expect(tooFew.map { "\($0)" }?.contains("1 values bound to 2 parameters") == true)
            let bad = await #expect(throws: SQLiteFailure.self) {
                try await database.read { session in try session.query("SELECT nope FROM items") }
            }
            #expect(bad.map { "\($0)" }?.contains("no such column: nope") == true)
            let count = try await database.read { session in
                try session.query("SELECT count(*) AS n FROM items").first?.int("n")
            }
            #expect(count == 0)
        }
    }

    @Test func aClosedDatabaseRefusesWork() async throws {
        let path = NSTemporaryDirectory() + "shop-database-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm", ".writer-lock"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        let database = try await ShopDatabase.open(path: path)
        try await database.close()
        await #expect(throws: SQLiteFailure.self) {
            try await database.read { session in try session.query("SELECT 1") }
        }
    }

    @Test func aFileThatCannotBeOpenedIsAClearError() async throws {
        let error = await #expect(throws: (any Error).self) {
            _ = try await ShopDatabase.open(path: "/proc/shop-\(UUID().uuidString)/x.sqlite", writerLock: false)
        }
        #expect(error != nil)
    }

    /// SQLite re-prepares a statement at every new binding when it thinks the value could change the plan (a bare
    /// `LIMIT ?`, or `column = ?` beside an `ORDER BY`); written as `CAST(? AS ...)`, it is prepared once. The shop's
    /// stores write such statements with the cast (`SQLiteFile.reprepares`).
    @Test func aCastParameterKeepsAStatementPreparedOnce() async throws {
        try await withDatabase { database in
            let bare = "SELECT sku FROM items WHERE sku = ? ORDER BY sku LIMIT ?"
            let cast = "SELECT sku FROM items WHERE sku = CAST(? AS TEXT) ORDER BY sku LIMIT CAST(? AS INTEGER)"
            let counts = try await database.read { session in
                for index in 0..<5 {
                    try session.query(bare, [.text("sku-\(index)"), .int(index + 1)])
                    try session.query(cast, [.text("sku-\(index)"), .int(index + 1)])
                }
                return (session.reprepares(bare), session.reprepares(cast))
            }
            #expect(counts.0 > 0, "SQLite no longer re-prepares the bare form: the casts may go")
            #expect(counts.1 == 0)
        }
    }
}
