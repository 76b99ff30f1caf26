import Foundation
import ShopKit
import Testing

/// Two connections on one file, as two replicas have (each `ShopDatabase` opens its own lock descriptor, and
/// `flock` locks of two descriptors exclude each other as those of two processes do): a second writer waits for
/// the first in the kernel, not in SQLite's busy handler.
@Suite struct WriterLockTests {
    func withTwoConnections(_ body: (ShopDatabase, ShopDatabase) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "writer-lock-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm", ".writer-lock"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        // A busy timeout of 0: a writer that reached SQLite's lock while the other holds it would fail at once.
        let first = try await ShopDatabase.open(path: path, busyTimeoutMilliseconds: 0)
        let second = try await ShopDatabase.open(path: path, busyTimeoutMilliseconds: 0)
        try await first.migrate(["CREATE TABLE events (id INTEGER PRIMARY KEY, writer TEXT NOT NULL)"])
        try await body(first, second)
        try await first.close()
        try await second.close()
    }

    @Test func aSecondWriterWaitsForTheFirstInsteadOfFailing() async throws {
        try await withTwoConnections { first, second in
            let holding = AsyncStream<Void>.makeStream()
            // A transaction's body is synchronous: the holder keeps it open by sleeping its thread (a detached
            // task's; the second writer waits for the lock off the cooperative pool).
            let holder = Task.detached {
                try await first.write { session in
                    try session.query("INSERT INTO events (writer) VALUES ('first')")
                    holding.continuation.yield()
                    Thread.sleep(forTimeInterval: 0.3)
                }
                return ContinuousClock.now
            }
            var iterator = holding.stream.makeAsyncIterator()
            await iterator.next()
            // The first writer holds the lock (its transaction is open): this one must wait, then succeed.
            try await second.write { session in
                try session.query("INSERT INTO events (writer) VALUES ('second')")
            }
            let done = ContinuousClock.now
            let released = try await holder.value
            let rows = try await second.read { session in
                try session.query("SELECT writer FROM events ORDER BY id").map { $0.string("writer") }
            }
            #expect(rows == ["first", "second"])
            // Woken by the kernel when the first let go, not at SQLite's next busy retry (up to 100 ms later).
            #expect(released.duration(to: done) < .milliseconds(80))
        }
    }

    @Test func aWriteStatementIsItsOwnTransactionUnderTheLock() async throws {
        try await withTwoConnections { first, second in
            let holding = AsyncStream<Void>.makeStream()
            let holder = Task.detached {
                try await first.write { _ in
                    holding.continuation.yield()
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            var iterator = holding.stream.makeAsyncIterator()
            await iterator.next()
            let rows = try await second.write(
                statement: "INSERT INTO events (writer) VALUES ('statement') RETURNING id")
            try await holder.value
            #expect(rows.count == 1)
            #expect(second.writeTransactions == 1)
        }
    }

    @Test func aLockFileThatCannotBeOpenedIsAClearError() async throws {
        #expect(throws: WriterLockError.self) {
            _ = try WriterLock(path: "/nonexistent-folder-\(UUID().uuidString)/x.writer-lock")
        }
    }
}
