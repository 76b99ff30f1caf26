// sqlite-nio's vendored SQLite, called directly (its functions carry a `sqlite_nio_` prefix). The module is
// sqlite-nio's C target, visible here because ShopKit depends on the SQLiteNIO product; one SQLite in the process.
import VaporCSQLite

/// One SQLite connection, used synchronously and by one caller at a time (the `ShopDatabase` lock's holder).
///
/// Why not SQLiteNIO's `query`: it prepares the statement anew and hops to NIO's thread pool and back for every
/// statement, and once more per row, so a transaction of five statements was some fifteen thread switches while
/// the file's write lock was held. Here a whole transaction runs in one go on the caller's thread, on statements
/// prepared once and kept (`SQLITE_PREPARE_PERSISTENT`), which is tens of microseconds for the shop's short ones.
final class SQLiteFile: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: PreparedStatement] = [:]

    private struct PreparedStatement {
        var handle: OpaquePointer
        /// The result's column names, read once: shared by every row the statement returns.
        var columns: [String]
    }

    init(path: String, busyTimeoutMilliseconds: Int) throws(SQLiteFailure) {
        // NOMUTEX: the connection is never used by two threads at once (the caller holds the database's lock).
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        var opened: OpaquePointer?
        let code = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close_v2(opened)
            throw SQLiteFailure(code: code, message: "cannot open \(path): \(message)", sql: nil)
        }
        handle = opened
        sqlite_nio_sqlite3_busy_timeout(opened, Int32(clamping: busyTimeoutMilliseconds))
        sqlite_nio_sqlite3_extended_result_codes(opened, 1)
    }

    deinit {
        close()
    }

    /// Runs one statement to its end; its rows (a `SELECT`, or a write's `RETURNING`).
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue] = []) throws(SQLiteFailure) -> [SQLRow] {
        let statement = try prepared(sql)
        // Whatever happens, the statement goes back reset and unbound, ready for its next use.
        defer {
            sqlite_nio_sqlite3_reset(statement.handle)
            sqlite_nio_sqlite3_clear_bindings(statement.handle)
        }
        try bind(binds, to: statement.handle, sql)
        var rows: [SQLRow] = []
        while true {
            let code = sqlite_nio_sqlite3_step(statement.handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(code, sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(statement.columns.count)
            for index in 0..<Int32(statement.columns.count) {
                values.append(value(statement.handle, index))
            }
            rows.append(SQLRow(columns: statement.columns, values: values))
        }
    }

    /// How many times SQLite prepared `sql` again since it was kept here (0 if it never ran).
    ///
    /// Why it matters: SQLite 3.54 (sqlite-nio's) re-prepares, at every new binding, a statement whose plan it
    /// thinks a bound value could change: a `LIMIT ?`, or `column = ?` with an `ORDER BY` the index could give.
    /// Such a statement is parsed and planned again on every run, which was 3 % of inventory-rpc's CPU. The
    /// shop's statements write those values as `CAST(? AS INTEGER)` or `CAST(? AS TEXT)`: the same value and plan,
    /// no longer a bare parameter to the planner.
    func reprepares(_ sql: String) -> Int {
        statements[sql].map { Int(sqlite_nio_sqlite3_stmt_status($0.handle, SQLITE_STMTSTATUS_REPREPARE, 0)) } ?? 0
    }

    /// How many rows the last write changed.
    var changes: Int { Int(sqlite_nio_sqlite3_changes(handle)) }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.handle) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    private func prepared(_ sql: String) throws(SQLiteFailure) -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        guard handle != nil else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database is closed", sql: sql)
        }
        var made: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &made, nil)
        guard code == SQLITE_OK, let made else { throw failure(code, sql) }
        let count = sqlite_nio_sqlite3_column_count(made)
        let columns = (0..<count).map { index in
            sqlite_nio_sqlite3_column_name(made, index).map { String(cString: $0) } ?? ""
        }
        let statement = PreparedStatement(handle: made, columns: columns)
        // Statements built per call (an `IN (?, ?, ...)` of varying length) would grow the cache without bound.
        if statements.count >= 256 {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old.handle) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ binds: [SQLValue], to statement: OpaquePointer, _ sql: String) throws(SQLiteFailure) {
        let expected = Int(sqlite_nio_sqlite3_bind_parameter_count(statement))
        guard binds.count == expected else {
            throw SQLiteFailure(
                code: SQLITE_RANGE, message: "\(binds.count) values bound to \(expected) parameters", sql: sql)
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number):
                code = sqlite_nio_sqlite3_bind_int64(statement, index, number)
            case .float(let number):
                code = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .text(let text):
                var text = text
                code = text.withUTF8 { bytes in
                    // A null pointer would bind NULL, not the empty string.
                    guard let start = bytes.baseAddress, !bytes.isEmpty else {
                        return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, transient, UInt8(SQLITE_UTF8))
                    }
                    return sqlite_nio_sqlite3_bind_text64(
                        statement, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self),
                        UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
                }
            case .blob(let bytes) where bytes.isEmpty:
                code = sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0)  // a null pointer would bind NULL
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    sqlite_nio_sqlite3_bind_blob64(statement, index, raw.baseAddress, UInt64(raw.count), transient)
                }
            case .null:
                code = sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard code == SQLITE_OK else { throw failure(code, sql) }
        }
    }

    private func value(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite_nio_sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let start = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let start = sqlite_nio_sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: start, count: count)))
        default:
            return .null
        }
    }

    private func failure(_ code: Int32, _ sql: String) -> SQLiteFailure {
        let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "the database is closed"
        return SQLiteFailure(code: code, message: message, sql: sql)
    }
}

/// SQLite copies bound text and blobs (the Swift buffers live only for the call).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A statement failed, or the file could not be opened: SQLite's result code and message, and the statement.
public struct SQLiteFailure: Error, CustomStringConvertible {
    /// SQLite's extended result code (`SQLITE_CONSTRAINT_UNIQUE` is 2067, `SQLITE_BUSY` 5).
    public var code: Int32
    public var message: String
    public var sql: String?

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " (in: \($0))" } ?? "")
    }

    /// The primary result code (`SQLITE_CONSTRAINT` for every kind of constraint failure).
    public var primaryCode: Int32 { code & 0xff }
}
