import Foundation
import GRPCCore
import ShopGRPCTransport
import ShopKit
import ShopRPC
import Synchronization
import Testing

@testable import OrderService

/// The saga runner against fake inventory and payment servers over a real gRPC client and server (the shop's h2c
/// transports on loopback) and a real order database: how many write transactions an order costs, and that each
/// call gets what is left of the order's deadline.
@Suite struct SagaRunnerTests {
    /// Answers every call at once (after `delay`), as a healthy inventory would.
    struct FakeInventory: Shop_Inventory_V1_Inventory.SimpleServiceProtocol {
        var delay: Duration
        /// Every confirm fails with UNAVAILABLE (an unknown outcome: the saga takes the step again).
        var confirmUnanswered = false
        /// Every reserve is refused as the inventory refuses an order whose reservation expired.
        var reserveReleased = false

        func reserve(
            request: Shop_Inventory_V1_ReserveRequest, context: ServerContext
        ) async throws
            -> Shop_Inventory_V1_Reservation
        {
            try await Task.sleep(for: delay)
            if reserveReleased {
                throw ShopRPCError.from(ShopError(.conflict, "reservation_released", "the reservation was released"))
            }
            return Self.reservation(request.orderID, "held")
        }

        func confirm(
            request: Shop_Inventory_V1_ReservationRef, context: ServerContext
        ) async throws
            -> Shop_Inventory_V1_Reservation
        {
            if confirmUnanswered { throw RPCError(code: .unavailable, message: "no replica ready") }
            return Self.reservation(request.orderID, "confirmed")
        }

        func release(
            request: Shop_Inventory_V1_ReservationRef, context: ServerContext
        ) async throws
            -> Shop_Inventory_V1_Reservation
        { Self.reservation(request.orderID, "released") }

        static func reservation(_ order: String, _ status: String) -> Shop_Inventory_V1_Reservation {
            var reservation = Shop_Inventory_V1_Reservation()
            reservation.orderID = order
            reservation.status = status
            reservation.totalCents = 300
            return reservation
        }
    }

    final class FakePayments: Shop_Payment_V1_Payments.SimpleServiceProtocol {
        /// The calls it answered, in order ("charge 1", "refund 1").
        let calls = Mutex<[String]>([])

        func charge(
            request: Shop_Payment_V1_ChargeRequest, context: ServerContext
        ) async throws
            -> Shop_Payment_V1_Payment
        {
            calls.withLock { $0.append("charge \(request.orderID)") }
            return Self.payment(request.orderID, "succeeded")
        }

        func refund(
            request: Shop_Payment_V1_RefundRequest, context: ServerContext
        ) async throws
            -> Shop_Payment_V1_Payment
        {
            calls.withLock { $0.append("refund \(request.orderID)") }
            return Self.payment(request.orderID, "refunded")
        }

        static func payment(_ order: String, _ status: String) -> Shop_Payment_V1_Payment {
            var payment = Shop_Payment_V1_Payment()
            payment.orderID = order
            payment.status = status
            return payment
        }
    }

    func withRunner(
        inventoryDelay: Duration = .zero, confirmUnanswered: Bool = false, reserveReleased: Bool = false,
        payments: FakePayments = FakePayments(),
        _ body: (SagaRunner, OrderStore, ShopDatabase) async throws -> Void
    ) async throws {
        try await withOrderStore { store, database in
            let server = H2cServerTransport(host: "127.0.0.1", port: 0)
            let services: [any RegistrableRPCService] = [
                FakeInventory(
                    delay: inventoryDelay, confirmUnanswered: confirmUnanswered, reserveReleased: reserveReleased),
                payments,
            ]
            try await withGRPCServer(transport: server, services: services) { grpcServer in
                defer { grpcServer.beginGracefulShutdown() }
                let port = try #require(try await server.listeningAddress.port)
                try await withGRPCClient(transport: H2cClientTransport(host: "127.0.0.1", port: port)) { client in
                    let calls = SagaCalls(
                        inventory: Shop_Inventory_V1_Inventory.Client(wrapping: client),
                        payments: Shop_Payment_V1_Payments.Client(wrapping: client))
                    try await body(SagaRunner(store: store, calls: calls, machine: SagaMachine()), store, database)
                }
            }
        }
    }

    @Test func anOrderWithoutRetriesCostsTwoWriteTransactions() async throws {
        try await withRunner { runner, store, database in
            let before = database.writeTransactions
            let (order, created) = try await store.create(
                userID: "u1", key: "k1", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let done = try await runner.drive(order.id, retries: 2, deadline: .now + .seconds(10), fresh: created)
            #expect(done?.status == .confirmed)
            #expect(done?.totalCents == 300)
            // create (+ step reserve), confirmed (+ outbox row, and the total known since the reserve): `reserved`
            // and `paid` are stored only when a call is not answered at once (SagaMachine.mayDefer).
            #expect(database.writeTransactions - before == 2)
            let stored = try await store.order(order.id)
            #expect(stored?.status == .confirmed && stored?.totalCents == 300 && stored?.step == nil)
        }
    }

    /// Each read is a hop to SQLite's thread while the request waits: the runner carries the order it moved
    /// instead of reading it back, so `POST /orders` reads nothing between its 3 writes.
    @Test func aFreshOrderIsDrivenWithoutReadingIt() async throws {
        try await withRunner { runner, store, database in
            let (order, created) = try await store.create(
                userID: "u1", key: "k3", lines: [.init(sku: "sticker", quantity: 2), .init(sku: "mug", quantity: 1)],
                card: nil, now: Date.nowMilliseconds)
            let before = database.readCount
            let done = try await runner.drive(
                order.id, retries: 2, deadline: .now + .seconds(10), fresh: created, known: order)
            #expect(database.readCount - before == 0)
            // What it returns is what is stored.
            let stored = try await store.order(order.id)
            #expect(done?.status == .confirmed && stored?.status == .confirmed)
            #expect(done?.step == stored?.step && done?.totalCents == stored?.totalCents)
            #expect(done?.lines.map(\.sku) == stored?.lines.map(\.sku))
            #expect(done?.lines.map(\.quantity) == stored?.lines.map(\.quantity))
        }
    }

    /// A compare-and-set lost to another driver (here: the order moved behind the runner's back) makes the runner
    /// read the order again instead of acting on what it knew.
    @Test func aMoveLostToAnotherDriverReadsTheOrderAgain() async throws {
        try await withRunner { runner, store, _ in
            let (order, created) = try await store.create(
                userID: "u1", key: "k4", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let other = try await store.move(order, to: .reserved, failure: nil, totalCents: 300, now: order.createdAt)
            #expect(other?.status == .reserved)
            #expect(try await store.move(order, to: .reserved, failure: nil, totalCents: 300, now: 1) == nil)
            let done = try await runner.drive(
                order.id, retries: 2, deadline: .now + .seconds(10), fresh: created, known: order)
            #expect(done?.status == .confirmed)
        }
    }

    @Test func theResumerRecordsTheStepItTakesUp() async throws {
        try await withRunner { runner, store, database in
            let (order, _) = try await store.create(
                userID: "u1", key: nil, lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let before = database.writeTransactions
            let done = try await runner.drive(order.id, retries: 2, deadline: .now + .seconds(10))
            #expect(done?.status == .confirmed)
            // the step (reserve), confirmed
            #expect(database.writeTransactions - before == 2)
        }
    }

    /// The moves to `reserved` and `paid` are kept in memory while the next calls are made; when the confirm is not
    /// answered, the order is stored as `paid` (from the row's `pending`) before the runner gives up or tries again,
    /// so the row says what is true (the money is taken) and the confirm, not a refund, is what a later driver
    /// takes up.
    @Test func anUnansweredConfirmStoresPaidFirst() async throws {
        try await withRunner(confirmUnanswered: true) { runner, store, database in
            let (order, created) = try await store.create(
                userID: "u1", key: "k5", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let before = database.writeTransactions
            let state = try await runner.drive(
                order.id, retries: 0, deadline: .now + .seconds(10), fresh: created, known: order)
            let stored = try await store.order(order.id)
            #expect(state?.status == .paid && stored?.status == .paid)
            #expect(stored?.step == .confirm && stored?.totalCents == 300)
            // paid, with the reserve's total (stored when the confirm went unanswered)
            #expect(database.writeTransactions - before == 1)
        }
    }

    /// What a crash between the charge and the confirm leaves: an order stored as `reserved` whose money was taken.
    /// The resumer takes the charge again (the payment service answers with the first payment, idempotent by key)
    /// and completes the order.
    @Test func anOrderStoredReservedAfterItsChargeIsCompletedByTheResumer() async throws {
        try await withRunner { runner, store, _ in
            let (order, _) = try await store.create(
                userID: "u1", key: "k6", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let reserved = try await store.move(order, to: .reserved, failure: nil, totalCents: 300, now: 1)
            #expect(reserved?.status == .reserved && reserved?.step == .charge)
            let done = try await runner.drive(order.id, retries: 2, deadline: .now + .seconds(10))
            #expect(done?.status == .confirmed)
            #expect(try await store.order(order.id)?.status == .confirmed)
        }
    }

    /// A deferred move stored by the final one: the compare-and-set is on the status the row has (`reserved`), and
    /// a move from a status the row does not have changes nothing.
    @Test func aDeferredMoveIsStoredFromTheRowsStatus() async throws {
        try await withOrderStore { store, _ in
            let (order, _) = try await store.create(
                userID: "u1", key: "k7", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let reserved = try #require(
                try await store.move(order, to: .reserved, failure: nil, totalCents: 300, now: 1))
            let paid = OrderStore.moved(reserved, to: .paid, failure: nil, totalCents: nil, now: 2)
            #expect(try await store.move(paid, to: .confirmed, failure: nil, totalCents: nil, now: 3) == nil)
            let confirmed = try await store.move(
                paid, to: .confirmed, failure: nil, totalCents: nil, now: 3, from: .reserved)
            #expect(confirmed?.status == .confirmed && confirmed?.totalCents == 300)
            #expect(try await store.order(order.id)?.status == .confirmed)
        }
    }

    /// What a crash after the charge leaves now: an order still stored as `pending` whose stock is reserved and
    /// money taken. The resumer takes the reserve and the charge again (each returns the first one) and completes
    /// the order; the payment service saw the same charge twice, and no refund.
    @Test func anOrderLeftPendingAfterItsChargeIsCompletedByTheResumer() async throws {
        let payments = FakePayments()
        try await withRunner(payments: payments) { runner, store, _ in
            let (order, _) = try await store.create(
                userID: "u1", key: "k8", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            // The dead driver's charge, made through the same client.
            var reserved = order
            reserved.totalCents = 300
            #expect(await runner.calls.perform(.charge, reserved, timeout: .seconds(2)) == .succeeded(totalCents: nil))
            let done = try await runner.drive(order.id, retries: 2, deadline: .now + .seconds(10))
            #expect(done?.status == .confirmed && done?.totalCents == 300)
            #expect(payments.calls.withLock { $0 } == ["charge \(order.id)", "charge \(order.id)"])
        }
    }

    /// The same crash, found after the reservation expired: the reserve taken again is refused, and the order
    /// refunds (the charge the dead driver made) before it releases and fails.
    @Test func anOrderLeftPendingWhoseReserveIsRefusedIsRefunded() async throws {
        let payments = FakePayments()
        try await withRunner(reserveReleased: true, payments: payments) { runner, store, _ in
            let (order, _) = try await store.create(
                userID: "u1", key: "k9", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let done = try await runner.drive(order.id, retries: 2, deadline: .now + .seconds(10))
            #expect(done?.status == .failed && done?.failure?.code == "reservation_released")
            #expect(payments.calls.withLock { $0 } == ["refund \(order.id)"])
            #expect(try await store.order(order.id)?.status == .failed)
        }
    }

    @Test func callsGetWhatIsLeftOfTheOrdersDeadline() async throws {
        try await withRunner(inventoryDelay: .seconds(5)) { runner, store, _ in
            let (order, created) = try await store.create(
                userID: "u1", key: "k2", lines: [.init(sku: "sticker", quantity: 1)], card: nil,
                now: Date.nowMilliseconds)
            let started = ContinuousClock.now
            let state = try await runner.drive(
                order.id, retries: 10, deadline: .now + .milliseconds(400),
                fresh: created)
            // The reserve call was cut at the order's deadline (400 ms), not at the 3 s cap nor the server's 5 s.
            #expect(started.duration(to: .now) < .seconds(2))
            #expect(state?.status == .pending)
        }
    }
}
