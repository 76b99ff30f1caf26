import Foundation
import Synchronization

/// One service's SQLite file: WAL journal, a busy timeout, and transactions that take the write lock up front
/// (`BEGIN IMMEDIATE`) so that replicas sharing the file serialize their writes instead of failing midway.
///
/// Within a process, one connection runs one transaction or read at a time (an async lock, no blocked thread while
/// waiting for it); between processes, writers queue on a `WriterLock` before SQLite's lock, so none sleeps in
/// SQLite's busy handler. A transaction's body is synchronous and runs in one go on the caller's thread, on
/// statements prepared once (`SQLiteFile`): no thread hop while the file's write lock is held. Its only possible
/// wait inside is SQLite's busy handler, when a writer that does not take the writer lock (the `sqlite3` shell)
/// holds the file, bounded by the busy timeout.
public final class ShopDatabase: Sendable {
    public let path: String
    private let file: SQLiteFile
    private let lock = AsyncLock()
    private let writerLock: WriterLock?
    private let writes = Atomic<Int>(0)
    private let reads = Atomic<Int>(0)

    /// How many write transactions this process began on the file: what the tests and the benchmark count per order.
    public var writeTransactions: Int { writes.load(ordering: .relaxed) }
    /// How many reads (outside write transactions) this process made: what the tests count per order.
    public var readCount: Int { reads.load(ordering: .relaxed) }

    private init(path: String, file: SQLiteFile, writerLock: WriterLock?) {
        self.path = path
        self.file = file
        self.writerLock = writerLock
    }

    /// Whether writers take the `WriterLock` (`SHOP_WRITER_LOCK`, default `on`): `off` leaves the waiting to
    /// SQLite's busy handler, as before the lock, so that the benchmark can measure what the lock changes.
    public static var writerLockByDefault: Bool {
        ProcessInfo.processInfo.environment["SHOP_WRITER_LOCK"] != "off"
    }

    /// Opens (creating it and its folder if needed) the database at `path`. A folder it creates is 0700: the
    /// databases hold e-mail addresses, password hashes and orders, and SQLite creates its files 0644 (audit9: the
    /// data folder was 0755, so any local user could read them).
    public static func open(
        path: String, busyTimeoutMilliseconds: Int = 10_000, writerLock useWriterLock: Bool = writerLockByDefault
    ) async throws -> ShopDatabase {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let writerLock = try useWriterLock ? WriterLock(path: path + ".writer-lock") : nil
        let file = try SQLiteFile(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        do {
            // journal_mode waits for the busy timeout like a write: another replica may be creating the file.
            try file.query("PRAGMA journal_mode = WAL")
            try file.query("PRAGMA synchronous = NORMAL")
            try file.query("PRAGMA foreign_keys = ON")
        } catch {
            file.close()
            throw error
        }
        return ShopDatabase(path: path, file: file, writerLock: writerLock)
    }

    /// Runs `body` with the connection to itself (no transaction: for reads).
    public func read<T>(_ body: (DatabaseSession) throws -> T) async throws -> T {
        await lock.lock()
        defer { lock.unlock() }
        reads.add(1, ordering: .relaxed)
        return try body(DatabaseSession(file: file))
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    public func write<T>(_ body: (DatabaseSession) throws -> T) async throws -> T {
        await lock.lock()
        defer { lock.unlock() }
        writes.add(1, ordering: .relaxed)
        try await writerLock?.lock()
        defer { writerLock?.unlock() }
        let session = DatabaseSession(file: file)
        try session.query("BEGIN IMMEDIATE")
        do {
            let value = try body(session)
            try session.query("COMMIT")
            return value
        } catch {
            // A failed COMMIT leaves the transaction open (SQLITE_BUSY): roll it back too.
            _ = try? session.query("ROLLBACK")
            throw error
        }
    }

    /// Runs one statement as a write transaction of its own (SQLite's autocommit: atomic); returns its rows
    /// (`RETURNING`).
    @discardableResult
    public func write(statement sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        await lock.lock()
        defer { lock.unlock() }
        writes.add(1, ordering: .relaxed)
        try await writerLock?.lock()
        defer { writerLock?.unlock() }
        return try file.query(sql, binds)
    }

    /// Applies the migrations after the file's `user_version`, each in its own transaction, and records progress
    /// in `user_version`: running it again applies nothing.
    @discardableResult
    public func migrate(_ migrations: [String]) async throws -> Int {
        var applied = 0
        for (index, sql) in migrations.enumerated() {
            let version = index + 1
            let done = try await write { session in
                let current = try session.query("PRAGMA user_version").first?.column("user_version")?.integer
                guard (current ?? 0) < version else { return false }
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try session.execute(statement)
                }
                try session.execute("PRAGMA user_version = \(version)")
                return true
            }
            if done { applied += 1 }
        }
        return applied
    }

    public func close() async throws {
        await lock.lock()
        defer { lock.unlock() }
        file.close()
    }
}

/// The connection while a `ShopDatabase` lock is held: statements run synchronously, on statements prepared once.
public struct DatabaseSession {
    let file: SQLiteFile

    /// Runs a statement; its rows, if any (`RETURNING` for a write).
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue] = []) throws -> [SQLRow] {
        try file.query(sql, binds)
    }

    /// How many times SQLite re-prepared `sql` on this connection (`SQLiteFile.reprepares`).
    public func reprepares(_ sql: String) -> Int {
        file.reprepares(sql)
    }

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue] = []) throws -> Int {
        try file.query(sql, binds)
        return file.changes
    }
}
