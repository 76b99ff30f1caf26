import Foundation
import ShopAMQP
import ShopKit

/// Moves outbox rows to RabbitMQ, in each order replica: claim a batch, publish it with publisher confirms,
/// mark it published. One connection at a time; when it fails (broker restarting, killed, unreachable) the
/// claimed rows are given back and the relay reconnects with exponential backoff (100 ms to 5 s, with jitter).
struct OutboxRelay: Sendable {
    var store: OrderStore
    var connector: AMQPConnector
    var topology: AMQPTopology
    var leaseMilliseconds = 10_000
    var batchSize = 200
    /// How long the relay waits for its bell (`OrderStore.outboxBell`, rung by each commit of this process that
    /// wrote an event) before it looks at the file on its own: for rows of the other replica (whose relay may be
    /// down) and rows left from before this process started.
    var idlePoll = Duration.milliseconds(500)
    /// Once rung (after a batch smaller than `batchSize`), the relay waits this long before it claims, so that under
    /// load a batch carries the events of many orders: each round is two write transactions on the order file
    /// (which every order's transactions queue for) and one confirmed publish, whatever its size. An event reaches
    /// the broker at most this much later; no order waits for it.
    var gatherPause = Duration.milliseconds(20)

    func run() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await connector.withSession { session in
                    try await session.declare(topology)
                    ShopLog.line("order outbox: connected to the broker")
                    backoff = .milliseconds(100)
                    try await relay(session)
                }
            } catch is CancellationError {
                return
            } catch {
                ShopLog.line("order outbox: \(error); reconnecting in \(backoff)")
            }
            let jitter = Double.random(in: 0.5...1.0)
            try? await Task.sleep(for: backoff * jitter)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    private func relay(_ session: AMQPSession) async throws {
        // Rows may be waiting at (re)connection: claimed rows given back after a failed publish, or older ones.
        var rung = true
        while !Task.isCancelled {
            // Not rung: look first (a read), so that an idle relay never takes the write lock.
            if !rung, try await !store.outboxPending(now: Date.nowMilliseconds) {
                rung = await waitForEvents()
                continue
            }
            let rows = try await store.claimOutbox(now: Date.nowMilliseconds, leaseMilliseconds: leaseMilliseconds,
                limit: batchSize)
            guard !rows.isEmpty else {
                // The other replica's relay took them.
                rung = await waitForEvents()
                continue
            }
            let messages = rows.map {
                AMQPMessage(routingKey: $0.routingKey, messageID: $0.eventID, body: Array($0.body.utf8))
            }
            do {
                try await session.publish(messages, exchange: topology.exchange)
            } catch {
                try? await store.releaseClaims(rows.map(\.id))
                throw error
            }
            try await store.markPublished(rows.map(\.id), now: Date.nowMilliseconds)
            guard rows.count < batchSize else {
                rung = true  // a full batch: more may be waiting
                continue
            }
            rung = await waitForEvents()
        }
    }

    /// Waits for the bell (true) or `idlePoll` (false); once rung, lets events gather for `gatherPause`, so that a
    /// round carries many orders' events whichever way the relay came to wait (the other replica's relay may have
    /// taken the rows that rang this one).
    private func waitForEvents() async -> Bool {
        guard await store.outboxBell.wait(atMost: idlePoll) else { return false }
        await OutboxBell.pause(for: gatherPause)
        return true
    }
}
