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
    var idlePoll = Duration.milliseconds(50)
    /// After a batch smaller than `batchSize`, the relay waits this long before it claims again, so that under load
    /// a batch carries the events of many orders: each round is two write transactions on the order file (which
    /// every order's transactions queue for) and one confirmed publish, whatever its size. An event reaches the
    /// broker at most this much later; no order waits for it.
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
        while !Task.isCancelled {
            guard try await store.outboxPending(now: Date.nowMilliseconds) else {
                try await Task.sleep(for: idlePoll)
                continue
            }
            let rows = try await store.claimOutbox(now: Date.nowMilliseconds, leaseMilliseconds: leaseMilliseconds,
                limit: batchSize)
            guard !rows.isEmpty else { continue }
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
            if rows.count < batchSize { try await Task.sleep(for: gatherPause) }
        }
    }
}
