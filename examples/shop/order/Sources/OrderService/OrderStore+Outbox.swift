import SQLiteNIO
import ShopKit

/// The transactional outbox: events written by `OrderStore.move` in the order's own transaction, relayed to the
/// broker by `OutboxRelay`. A row is claimed for a lease (so the two replicas do not both send it while both are
/// alive), published with confirms, then marked published; a relay that dies mid-way leaves the lease to expire
/// and the row is sent again (at least once; consumers deduplicate by event id).
extension OrderStore {
    static let outboxMigration = """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            routing_key TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            claimed_until INTEGER NOT NULL DEFAULT 0,
            published_at INTEGER
        );
        CREATE INDEX outbox_unpublished ON outbox (published_at, claimed_until)
        """

    struct OutboxRow: Sendable {
        var id: Int
        var eventID: String
        var routingKey: String
        var body: String
    }

    /// Inside the order's transaction: the event of the final status the order just reached.
    static func recordEvent(_ id: Int, _ session: DatabaseSession, now: Int) async throws {
        guard let order = try await Self.order(id, session),
            let event = OrderEvent(orderID: id, userID: order.userID, status: order.status,
                totalCents: order.totalCents, items: order.lines, errorCode: order.failure?.code, at: now)
        else { return }
        try await session.execute(
            "INSERT OR IGNORE INTO outbox (event_id, routing_key, body, created_at) VALUES (?, ?, ?, ?)",
            [.text(event.event_id), .text(event.routingKey), .text(try event.json()), .int(now)])
    }

    /// Whether any row waits to be published (a read, so an idle relay never takes the write lock).
    func outboxPending(now: Int) async throws -> Bool {
        try await database.read { session in
            !(try await session.query(
                "SELECT 1 FROM outbox WHERE published_at IS NULL AND claimed_until < ? LIMIT 1", [.int(now)])).isEmpty
        }
    }

    /// Claims up to `limit` unpublished rows for `leaseMilliseconds`, oldest first.
    func claimOutbox(now: Int, leaseMilliseconds: Int, limit: Int) async throws -> [OutboxRow] {
        try await database.write { session in
            let rows = try await session.query(
                "SELECT id, event_id, routing_key, body FROM outbox WHERE published_at IS NULL AND claimed_until < ? "
                    + "ORDER BY id LIMIT ?", [.int(now), .int(limit)])
            for row in rows {
                try await session.execute("UPDATE outbox SET claimed_until = ? WHERE id = ?",
                    [.int(now + leaseMilliseconds), .int(row.int("id"))])
            }
            return rows.map {
                OutboxRow(id: $0.int("id"), eventID: $0.string("event_id"), routingKey: $0.string("routing_key"),
                    body: $0.string("body"))
            }
        }
    }

    func markPublished(_ ids: [Int], now: Int) async throws {
        guard !ids.isEmpty else { return }
        try await database.write { session in
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            try await session.execute("UPDATE outbox SET published_at = ? WHERE id IN (\(marks))",
                [.int(now)] + ids.map { .int($0) })
        }
    }

    /// Gives claimed rows back at once (after a failed publish), instead of waiting for their lease.
    func releaseClaims(_ ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        try await database.write { session in
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            try await session.execute(
                "UPDATE outbox SET claimed_until = 0 WHERE published_at IS NULL AND id IN (\(marks))",
                ids.map { .int($0) })
        }
    }
}
