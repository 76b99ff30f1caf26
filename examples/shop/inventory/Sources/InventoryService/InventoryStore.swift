import Foundation
import ShopKit

/// Items and reservations in the inventory's SQLite file. Every change is one transaction that reads and writes
/// under SQLite's write lock, so two reservations can never both take the last unit, whichever replica runs them.
struct InventoryStore: Sendable {
    var database: ShopDatabase
    /// How long a held reservation lives before the sweeper gives its stock back.
    var ttlSeconds: Int

    struct Item: Codable, Sendable {
        var sku: String
        var name: String
        var priceCents: Int
        var stock: Int

        enum CodingKeys: String, CodingKey {
            case sku, name, stock
            case priceCents = "price_cents"
        }
    }

    struct Reservation: Codable, Sendable {
        struct Line: Codable, Sendable {
            var sku: String
            var quantity: Int
            var priceCents: Int

            enum CodingKeys: String, CodingKey {
                case sku, quantity
                case priceCents = "price_cents"
            }
        }

        var orderID: String
        var status: ReservationState
        var totalCents: Int
        var expiresAt: Int
        var lines: [Line]

        enum CodingKeys: String, CodingKey {
            case status, lines
            case orderID = "order_id"
            case totalCents = "total_cents"
            case expiresAt = "expires_at"
        }
    }

    func items() async throws -> [Item] {
        try await database.read { session in
            try session.query("SELECT sku, name, price_cents, stock FROM items ORDER BY sku").map(Self.item)
        }
    }

    func item(_ sku: String) async throws -> Item? {
        try await database.read { session in
            try session.query("SELECT sku, name, price_cents, stock FROM items WHERE sku = ?", [.text(sku)])
                .first.map(Self.item)
        }
    }

    /// Takes the stock of every line, or nothing. Idempotent by order id: a second call returns the first one's
    /// reservation (whatever its state now), `created` false. Each line is one `UPDATE ... RETURNING` that takes
    /// the stock only if there is enough (the item is read only to say why it failed; the transaction then rolls
    /// back what earlier lines took), and the lines are stored with one statement: few hops to SQLite's thread
    /// while the file's write lock is held.
    func reserve(orderID: String, lines: [ReservationRequest.Line], now: Int) async throws
        -> (reservation: Reservation, created: Bool)
    {
        try await database.write { session in
            if let existing = try Self.reservation(orderID, session) { return (existing, false) }
            var taken: [Reservation.Line] = []
            for line in lines {
                guard let row = try session.query(
                    "UPDATE items SET stock = stock - ? WHERE sku = ? AND stock >= ? RETURNING price_cents",
                    [.int(line.quantity), .text(line.sku), .int(line.quantity)]
                ).first
                else {
                    guard let item = try session.query(
                        "SELECT stock FROM items WHERE sku = ?", [.text(line.sku)]).first
                    else {
                        throw ShopError(.notFound, "unknown_item", "no item with sku '\(line.sku)'",
                            details: ["sku": line.sku])
                    }
                    throw ShopError(.conflict, "insufficient_stock",
                        "only \(item.int("stock")) of '\(line.sku)' left, \(line.quantity) requested",
                        details: ["sku": line.sku])
                }
                taken.append(.init(sku: line.sku, quantity: line.quantity, priceCents: row.int("price_cents")))
            }
            let total = taken.reduce(0) { $0 + $1.quantity * $1.priceCents }
            let expires = now + ttlSeconds * 1000
            try session.query(
                "INSERT INTO reservations (order_id, status, total_cents, created_at, expires_at, updated_at) "
                    + "VALUES (?, 'held', ?, ?, ?, ?)",
                [.text(orderID), .int(total), .int(now), .int(expires), .int(now)]
            )
            if !taken.isEmpty {
                let rows = taken.map { _ in "(?, ?, ?, ?)" }.joined(separator: ", ")
                try session.query(
                    "INSERT INTO reservation_lines (order_id, sku, quantity, price_cents) VALUES \(rows)",
                    taken.flatMap { line -> [SQLValue] in
                        [.text(orderID), .text(line.sku), .int(line.quantity), .int(line.priceCents)]
                    })
            }
            let reservation = Reservation(orderID: orderID, status: .held, totalCents: total, expiresAt: expires,
                lines: taken)
            return (reservation, true)
        }
    }

    func confirm(orderID: String, now: Int) async throws -> Reservation {
        try await transition(orderID, now: now) { $0.confirm() }
    }

    /// Gives the stock back. Releasing an order that reserved nothing records a released, empty reservation, so
    /// that a reserve call of that order still in flight can no longer take stock.
    func release(orderID: String, now: Int) async throws -> Reservation {
        try await database.write { session in
            if try Self.reservation(orderID, session) == nil {
                try session.query(
                    "INSERT INTO reservations (order_id, status, total_cents, created_at, expires_at, updated_at) "
                        + "VALUES (?, 'released', 0, ?, ?, ?)",
                    [.text(orderID), .int(now), .int(now), .int(now)]
                )
            }
            return try Self.apply({ $0.release() }, to: orderID, now: now, session)
        }
    }

    /// Releases every held reservation whose time is up; returns how many.
    func releaseExpired(now: Int) async throws -> Int {
        // A read first: an idle sweeper (most seconds) never takes the write lock the reservations wait for.
        let anyDue = try await database.read { session in
            !(try session.query(
                "SELECT 1 FROM reservations WHERE status = 'held' AND expires_at <= ? LIMIT 1", [.int(now)])).isEmpty
        }
        guard anyDue else { return 0 }
        return try await database.write { session in
            let due = try session.query(
                "SELECT order_id FROM reservations WHERE status = 'held' AND expires_at <= ?", [.int(now)])
            for row in due {
                _ = try Self.apply({ $0.expire() }, to: row.string("order_id"), now: now, session)
            }
            return due.count
        }
    }

    func reservation(_ orderID: String) async throws -> Reservation? {
        try await database.read { session in try Self.reservation(orderID, session) }
    }

    private func transition(_ orderID: String, now: Int, _ decide: @escaping (ReservationState) -> ReservationState.Outcome)
        async throws -> Reservation
    {
        try await database.write { session in try Self.apply(decide, to: orderID, now: now, session) }
    }

    private static func apply(
        _ decide: (ReservationState) -> ReservationState.Outcome, to orderID: String, now: Int,
        _ session: DatabaseSession
    ) throws -> Reservation {
        guard var reservation = try reservation(orderID, session) else {
            throw ShopError(.notFound, "unknown_reservation", "no reservation for order \(orderID)")
        }
        switch decide(reservation.status) {
        case .unchanged:
            return reservation
        case .refuse(let code):
            throw ShopError(.conflict, code, "the reservation of order \(orderID) is \(reservation.status.rawValue)")
        case .change(let next):
            try session.query(
                "UPDATE reservations SET status = ?, updated_at = ? WHERE order_id = ?",
                [.text(next.rawValue), .int(now), .text(orderID)]
            )
            if next == .released {
                for line in reservation.lines {
                    try session.query(
                        "UPDATE items SET stock = stock + ? WHERE sku = ?", [.int(line.quantity), .text(line.sku)])
                }
            }
            reservation.status = next
            return reservation
        }
    }

    private static func reservation(_ orderID: String, _ session: DatabaseSession) throws -> Reservation? {
        guard let row = try session.query(
            "SELECT order_id, status, total_cents, expires_at FROM reservations WHERE order_id = ?", [.text(orderID)]
        ).first
        else { return nil }
        let lines = try session.query(
            "SELECT sku, quantity, price_cents FROM reservation_lines WHERE order_id = CAST(? AS TEXT) "
                + "ORDER BY sku",
            [.text(orderID)]
        ).map { Reservation.Line(sku: $0.string("sku"), quantity: $0.int("quantity"), priceCents: $0.int("price_cents")) }
        return Reservation(
            orderID: row.string("order_id"),
            status: ReservationState(rawValue: row.string("status")) ?? .released,
            totalCents: row.int("total_cents"),
            expiresAt: row.int("expires_at"),
            lines: lines
        )
    }

    private static func item(_ row: SQLRow) -> Item {
        Item(sku: row.string("sku"), name: row.string("name"), priceCents: row.int("price_cents"),
            stock: row.int("stock"))
    }
}
