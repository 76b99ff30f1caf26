import Foundation
import SQLiteNIO
import Synchronization

/// One service's SQLite file: WAL journal, a busy timeout, and transactions that take the write lock up front
/// (`BEGIN IMMEDIATE`) so that replicas sharing the file serialize their writes instead of failing midway.
///
/// Within a process, one connection runs one transaction or read at a time (an async lock, no blocked thread);
/// between processes, writers queue on a `WriterLock` before SQLite's lock, so none sleeps in SQLite's busy
/// handler. Every statement is a hop to NIO's blocking pool and back (tens of microseconds, more under load, while
/// the file's write lock is held): transactions here use as few statements as they can.
public final class ShopDatabase: Sendable {
    public let path: String
    private let connection: SQLiteConnection
    private let lock = AsyncLock()
    private let writerLock: WriterLock?
    private let writes = Atomic<Int>(0)
    private let reads = Atomic<Int>(0)

    /// How many write transactions this process began on the file: what the tests and the benchmark count per order.
    public var writeTransactions: Int { writes.load(ordering: .relaxed) }
    /// How many reads (outside write transactions) this process made: what the tests count per order.
    public var readCount: Int { reads.load(ordering: .relaxed) }

    private init(path: String, connection: SQLiteConnection, writerLock: WriterLock?) {
        self.path = path
        self.connection = connection
        self.writerLock = writerLock
    }

    /// Whether writers take the `WriterLock` (`SHOP_WRITER_LOCK`, default `on`): `off` leaves the waiting to
    /// SQLite's busy handler, as before the lock, so that the benchmark can measure what the lock changes.
    public static var writerLockByDefault: Bool {
        ProcessInfo.processInfo.environment["SHOP_WRITER_LOCK"] != "off"
    }

    /// Opens (creating it and its folder if needed) the database at `path`.
    public static func open(
        path: String, busyTimeoutMilliseconds: Int = 10_000, writerLock useWriterLock: Bool = writerLockByDefault
    ) async throws -> ShopDatabase {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let writerLock = try useWriterLock ? WriterLock(path: path + ".writer-lock") : nil
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        _ = try await connection.query("PRAGMA synchronous = NORMAL")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
        return ShopDatabase(path: path, connection: connection, writerLock: writerLock)
    }

    /// Runs `body` with the connection to itself (no transaction: for reads).
    public func read<T>(_ body: (DatabaseSession) async throws -> T) async throws -> T {
        await lock.lock()
        reads.add(1, ordering: .relaxed)
        do {
            let value = try await body(DatabaseSession(connection: connection))
            await lock.unlock()
            return value
        } catch {
            await lock.unlock()
            throw error
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    public func write<T>(_ body: (DatabaseSession) async throws -> T) async throws -> T {
        await lock.lock()
        writes.add(1, ordering: .relaxed)
        let session = DatabaseSession(connection: connection)
        do {
            try await writerLock?.lock()
        } catch {
            await lock.unlock()
            throw error
        }
        do {
            _ = try await session.query("BEGIN IMMEDIATE")
        } catch {
            writerLock?.unlock()
            await lock.unlock()
            throw error
        }
        do {
            let value = try await body(session)
            _ = try await session.query("COMMIT")
            writerLock?.unlock()
            await lock.unlock()
            return value
        } catch {
            _ = try? await session.query("ROLLBACK")
            writerLock?.unlock()
            await lock.unlock()
            throw error
        }
    }

    /// Runs one statement as a write transaction of its own (SQLite's autocommit: atomic, and one hop instead of
    /// the three of `BEGIN IMMEDIATE`, the statement and `COMMIT`); returns its rows (`RETURNING`).
    @discardableResult
    public func write(statement sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        await lock.lock()
        writes.add(1, ordering: .relaxed)
        do {
            try await writerLock?.lock()
        } catch {
            await lock.unlock()
            throw error
        }
        do {
            let rows = try await connection.query(sql, binds)
            writerLock?.unlock()
            await lock.unlock()
            return rows
        } catch {
            writerLock?.unlock()
            await lock.unlock()
            throw error
        }
    }

    /// Applies the migrations after the file's `user_version`, each in its own transaction, and records progress
    /// in `user_version`: running it again applies nothing.
    @discardableResult
    public func migrate(_ migrations: [String]) async throws -> Int {
        var applied = 0
        for (index, sql) in migrations.enumerated() {
            let version = index + 1
            let done = try await write { session in
                let current = try await session.query("PRAGMA user_version").first?.column("user_version")?.integer
                guard (current ?? 0) < version else { return false }
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try await session.execute(statement)
                }
                try await session.execute("PRAGMA user_version = \(version)")
                return true
            }
            if done { applied += 1 }
        }
        return applied
    }

    public func close() async throws {
        try await connection.close()
    }
}

/// The connection while a `ShopDatabase` lock is held.
public struct DatabaseSession {
    let connection: SQLiteConnection

    /// Runs a statement (one hop to SQLite's thread); its rows, if any (`RETURNING` for a write).
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await connection.query(sql, binds)
    }

    /// Runs a statement; returns how many rows it changed (a second hop: `query` with `RETURNING` saves it).
    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws -> Int {
        _ = try await connection.query(sql, binds)
        let rows = try await connection.query("SELECT changes() AS n")
        return Int(rows.first?.column("n")?.integer ?? 0)
    }
}

extension SQLiteRow {
    /// The integer in column `name`, or 0 when it is null.
    public func int(_ name: String) -> Int {
        Int(column(name)?.integer ?? 0)
    }

    public func string(_ name: String) -> String {
        column(name)?.string ?? ""
    }

    public func optionalString(_ name: String) -> String? {
        guard let data = column(name), !data.isNull else { return nil }
        return data.string
    }
}

extension SQLiteData {
    public static func int(_ value: Int) -> SQLiteData { .integer(SQLiteInt64(value)) }
}
