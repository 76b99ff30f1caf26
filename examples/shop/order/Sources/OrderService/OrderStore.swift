import ShopKit

/// Orders in the order service's SQLite file (shared by its replicas). Status changes are compare-and-set on the
/// current status; each step is written before it is taken, so a crash leaves a record of what was under way.
struct OrderStore: Sendable {
    var database: ShopDatabase
    /// Rung after each commit that wrote an outbox row, so that this process's relay sends it without polling.
    var outboxBell = OutboxBell()

    struct Order: Sendable {
        var id: Int
        var userID: String
        var idempotencyKey: String?
        var fingerprint: String
        var card: String?
        var status: OrderStatus
        var step: SagaStep?
        var totalCents: Int
        var failure: SagaMachine.Failure?
        var createdAt: Int
        var updatedAt: Int
        var lines: [OrderRequest.Line]
    }

    static let migrations = [
        """
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL,
            idempotency_key TEXT,
            fingerprint TEXT NOT NULL,
            card TEXT,
            status TEXT NOT NULL,
            step TEXT,
            total_cents INTEGER NOT NULL DEFAULT 0,
            error_code TEXT,
            error_message TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (user_id, idempotency_key)
        );
        CREATE TABLE order_lines (
            order_id INTEGER NOT NULL REFERENCES orders(id),
            sku TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            PRIMARY KEY (order_id, sku)
        );
        CREATE INDEX orders_open ON orders (status, updated_at)
        """,
        outboxMigration,
    ]

    /// Creates a pending order, or returns the one this user created with the same idempotency key (`created`
    /// false). A key reused for different items is a 422. A new order's first step (reserve) is recorded in the
    /// same transaction, so the runner makes its first call without another write. A new order is not read back:
    /// its row is what was just written (one statement and one hop less while the file's write lock is held).
    func create(userID: String, key: String?, lines: [OrderRequest.Line], card: String?, now: Int) async throws
        -> (order: Order, created: Bool)
    {
        let fingerprint = OrderRequest.fingerprint(lines, card: card)
        return try await database.write { session in
            if let key, let row = try session.query(
                "SELECT id FROM orders WHERE user_id = ? AND idempotency_key = ?", [.text(userID), .text(key)]
            ).first {
                let existing = try Self.order(row.int("id"), session)!
                guard existing.fingerprint == fingerprint else {
                    throw ShopError(.unprocessableContent, "idempotency_mismatch",
                        "Idempotency-Key \(key) was used for a different order", details: ["order_id": "\(existing.id)"])
                }
                return (existing, false)
            }
            let id = try session.query(
                "INSERT INTO orders (user_id, idempotency_key, fingerprint, card, status, step, created_at, "
                    + "updated_at) VALUES (?, ?, ?, ?, 'pending', 'reserve', ?, ?) RETURNING id",
                [.text(userID), key.map { .text($0) } ?? .null, .text(fingerprint), card.map { .text($0) } ?? .null,
                 .int(now), .int(now)]
            ).first!.int("id")
            let sorted = lines.sorted { $0.sku < $1.sku }
            for line in sorted {
                try session.query("INSERT INTO order_lines (order_id, sku, quantity) VALUES (?, ?, ?)",
                    [.int(id), .text(line.sku), .int(line.quantity)])
            }
            let order = Order(
                id: id, userID: userID, idempotencyKey: key, fingerprint: fingerprint, card: card, status: .pending,
                step: .reserve, totalCents: 0, failure: nil, createdAt: now, updatedAt: now, lines: sorted)
            return (order, true)
        }
    }

    func order(_ id: Int) async throws -> Order? {
        try await database.read { session in try Self.order(id, session) }
    }

    func orders(userID: String) async throws -> [Order] {
        try await database.read { session in
            var orders: [Order] = []
            for row in try session.query(
                "SELECT id FROM orders WHERE user_id = CAST(? AS TEXT) ORDER BY id DESC LIMIT 100", [.text(userID)])
            {
                if let order = try Self.order(row.int("id"), session) { orders.append(order) }
            }
            return orders
        }
    }

    /// Records that `step` is about to be taken; false if the order left `status` meanwhile.
    func markStep(_ id: Int, _ step: SagaStep, status: OrderStatus, now: Int) async throws -> Bool {
        let rows = try await database.write(
            statement: "UPDATE orders SET step = ?, updated_at = ? WHERE id = ? AND status = ? RETURNING id",
            [.text(step.rawValue), .int(now), .int(id), .text(status.rawValue)])
        return !rows.isEmpty
    }

    /// Moves `order` from its status to `to` and records the step `to` calls for (none when final), one transaction
    /// for both, so the next call needs no write of its own; the order as stored now, or nil if it was not in its
    /// status any more (another replica moved it). A final status writes its event to the outbox in the same
    /// transaction. A move to a status that is not final is one statement (its own transaction, one hop).
    ///
    /// `from`: the status the row has, when it is not `order.status` (the runner moved the order in memory without
    /// storing it, `SagaMachine.mayDefer`); the compare-and-set is on it. The total stored is the moved order's, so a
    /// deferred reserve's total reaches the row with whichever move is stored next.
    func move(
        _ order: Order, to: OrderStatus, failure: SagaMachine.Failure?, totalCents: Int?, now: Int,
        from: OrderStatus? = nil
    ) async throws -> Order? {
        let moved = Self.moved(order, to: to, failure: failure, totalCents: totalCents, now: now)
        let update =
            "UPDATE orders SET status = ?, step = ?, updated_at = ?, total_cents = ?, "
            + "error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message) "
            + "WHERE id = ? AND status = ? RETURNING id"
        let binds: [SQLValue] = [
            .text(to.rawValue), moved.step.map { .text($0.rawValue) } ?? .null, .int(now),
            .int(moved.totalCents),
            failure.map { .text($0.code) } ?? .null, failure.map { .text($0.message) } ?? .null,
            .int(order.id), .text((from ?? order.status).rawValue),
        ]
        guard to.isTerminal else {
            let rows = try await database.write(statement: update, binds)
            return rows.isEmpty ? nil : moved
        }
        let stored = try await database.write { session -> Order? in
            let rows = try session.query(update, binds)
            guard !rows.isEmpty else { return nil }
            try Self.recordEvent(moved, session, now: now)
            return moved
        }
        if stored != nil { outboxBell.ring() }
        return stored
    }

    /// `order` as `move` stores it: the new status, the step it calls for, the total and failure when given.
    static func moved(_ order: Order, to: OrderStatus, failure: SagaMachine.Failure?, totalCents: Int?, now: Int)
        -> Order
    {
        var moved = order
        moved.status = to
        moved.step = SagaMachine.step(for: to)
        moved.updatedAt = now
        moved.totalCents = totalCents ?? order.totalCents
        moved.failure = failure ?? order.failure
        return moved
    }

    /// Unfinished orders not touched for `staleMilliseconds`, each claimed (its `updated_at` bumped with a
    /// compare-and-set) so that one replica's resumer takes it.
    func claimStale(now: Int, staleMilliseconds: Int, limit: Int = 50) async throws -> [Int] {
        try await database.write { session in
            let rows = try session.query(
                "SELECT id, updated_at FROM orders WHERE status NOT IN ('confirmed', 'failed') AND updated_at <= ? "
                    + "ORDER BY id LIMIT CAST(? AS INTEGER)", [.int(now - staleMilliseconds), .int(limit)])
            var claimed: [Int] = []
            for row in rows {
                let changed = try session.execute(
                    "UPDATE orders SET updated_at = ? WHERE id = ? AND updated_at = ?",
                    [.int(now), .int(row.int("id")), .int(row.int("updated_at"))])
                if changed == 1 { claimed.append(row.int("id")) }
            }
            return claimed
        }
    }

    static func order(_ id: Int, _ session: DatabaseSession) throws -> Order? {
        guard let row = try session.query("SELECT * FROM orders WHERE id = ?", [.int(id)]).first else {
            return nil
        }
        let lines = try session.query(
            "SELECT sku, quantity FROM order_lines WHERE order_id = CAST(? AS INTEGER) ORDER BY sku", [.int(id)]
        ).map { OrderRequest.Line(sku: $0.string("sku"), quantity: $0.int("quantity")) }
        let failure = row.optionalString("error_code").map {
            SagaMachine.Failure(code: $0, message: row.optionalString("error_message") ?? "")
        }
        return Order(
            id: id,
            userID: row.string("user_id"),
            idempotencyKey: row.optionalString("idempotency_key"),
            fingerprint: row.string("fingerprint"),
            card: row.optionalString("card"),
            status: OrderStatus(rawValue: row.string("status")) ?? .pending,
            step: row.optionalString("step").flatMap(SagaStep.init(rawValue:)),
            totalCents: row.int("total_cents"),
            failure: failure,
            createdAt: row.int("created_at"),
            updatedAt: row.int("updated_at"),
            lines: lines
        )
    }
}
