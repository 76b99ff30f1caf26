import Foundation
import ShopKit
import Testing

@testable import OrderService

/// The bell that wakes the outbox relay: a ring is never lost (remembered until the next wait), a wait without a
/// ring ends after its timeout, and the order's final transaction rings it.
@Suite struct OutboxBellTests {
    @Test func aRingBeforeTheWaitIsRemembered() async {
        let bell = OutboxBell()
        bell.ring()
        #expect(await bell.wait(atMost: .seconds(30)))
        // Once: the next wait is not rung.
        #expect(await bell.wait(atMost: .milliseconds(20)) == false)
    }

    @Test func aRingWakesTheWaiter() async {
        let bell = OutboxBell()
        async let rung = bell.wait(atMost: .seconds(30))
        // Whether the ring comes before or while the relay waits, the wait ends rung, long before its timeout.
        try? await Task.sleep(for: .milliseconds(10))
        bell.ring()
        #expect(await rung)
    }

    @Test func aWaitWithoutARingEndsAfterItsTimeout() async {
        let bell = OutboxBell()
        let started = ContinuousClock.now
        #expect(await bell.wait(atMost: .milliseconds(50)) == false)
        #expect(started.duration(to: .now) >= .milliseconds(50))
    }

    @Test func aCancelledWaitEnds() async {
        let bell = OutboxBell()
        let waiter = Task { await bell.wait(atMost: .seconds(600)) }
        try? await Task.sleep(for: .milliseconds(10))
        waiter.cancel()
        #expect(await waiter.value == false)
    }

    @Test func theFinalMoveRingsTheBell() async throws {
        try await withOrderStore { store, _ in
            let (order, _) = try await store.create(
                userID: "u1", key: nil, lines: [.init(sku: "mug", quantity: 1)], card: nil, now: 1)
            let reserved = try #require(try await store.move(order, to: .reserved, failure: nil, totalCents: 5, now: 2))
            #expect(await store.outboxBell.wait(atMost: .milliseconds(20)) == false, "no event, no ring")
            _ = try await store.move(reserved, to: .confirmed, failure: nil, totalCents: nil, now: 3)
            #expect(await store.outboxBell.wait(atMost: .seconds(30)))
            #expect(try await store.outboxPending(now: 4))
        }
    }
}
