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

    /// Inside the order's transaction: the event of the final status the order just reached (`order` as that
    /// transaction stored it, so the row is not read again while the write lock is held).
    static func recordEvent(_ order: Order, _ session: DatabaseSession, now: Int) throws {
        guard
            let event = OrderEvent(orderID: order.id, userID: order.userID, status: order.status,
                totalCents: order.totalCents, items: order.lines, errorCode: order.failure?.code, at: now)
        else { return }
        try session.query(
            "INSERT OR IGNORE INTO outbox (event_id, routing_key, body, created_at) VALUES (?, ?, ?, ?)",
            [.text(event.event_id), .text(event.routingKey), .text(try event.json()), .int(now)])
    }

    /// Whether any row waits to be published (a read, so an idle relay never takes the write lock).
    func outboxPending(now: Int) async throws -> Bool {
        try await database.read { session in
            !(try session.query(
                "SELECT 1 FROM outbox WHERE published_at IS NULL AND claimed_until < ? LIMIT 1", [.int(now)])).isEmpty
        }
    }

    /// Claims up to `limit` unpublished rows for `leaseMilliseconds`, oldest first: one statement (its own
    /// transaction), so the order file's write lock, which every order's transactions wait for, is held for one
    /// hop to SQLite's thread however many rows it claims.
    func claimOutbox(now: Int, leaseMilliseconds: Int, limit: Int) async throws -> [OutboxRow] {
        try await database.write(
            statement: "UPDATE outbox SET claimed_until = ? WHERE id IN (SELECT id FROM outbox "
                + "WHERE published_at IS NULL AND claimed_until < ? ORDER BY id LIMIT CAST(? AS INTEGER)) "
                + "RETURNING id, event_id, routing_key, body",
            [.int(now + leaseMilliseconds), .int(now), .int(limit)]
        ).map {
            OutboxRow(id: $0.int("id"), eventID: $0.string("event_id"), routingKey: $0.string("routing_key"),
                body: $0.string("body"))
        }.sorted { $0.id < $1.id }
    }

    func markPublished(_ ids: [Int], now: Int) async throws {
        guard !ids.isEmpty else { return }
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        try await database.write(
            statement: "UPDATE outbox SET published_at = ? WHERE id IN (\(marks))", [.int(now)] + ids.map { .int($0) })
    }

    /// Gives claimed rows back at once (after a failed publish), instead of waiting for their lease.
    func releaseClaims(_ ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        try await database.write(
            statement: "UPDATE outbox SET claimed_until = 0 WHERE published_at IS NULL AND id IN (\(marks))",
            ids.map { .int($0) })
    }
}
