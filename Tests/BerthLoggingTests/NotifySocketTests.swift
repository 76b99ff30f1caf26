import BerthNotify
import Foundation
import Synchronization
import Testing

@Suite("sd_notify over real datagram sockets")
struct NotifySocketTests {
    func roundTrip(_ address: String) async throws -> [NotifyMessage] {
        let received = Mutex<[NotifyMessage]>([])
        let listener = try NotifyListener(path: address) { message in received.withLock { $0.append(message) } }
        defer { listener.close() }
        let socket = try #require(NotifySocket(address))
        #expect(socket.send([("READY", "1"), ("STATUS", "up")]))
        #expect(socket.send([("WATCHDOG", "1")]))
        let deadline = ContinuousClock.now + .seconds(5)
        while received.withLock({ $0.count }) < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return received.withLock { $0 }
    }

    @Test func pathSocket() async throws {
        let path = NSTemporaryDirectory() + "berth-notify-\(UInt32.random(in: 0...UInt32.max)).sock"
        let messages = try await roundTrip(path)
        #expect(messages.map(\.ready) == [true, false])
        #expect(messages.first?.status == "up")
        #expect(messages.last?.watchdog == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func abstractSocket() async throws {
        let messages = try await roundTrip("@berth-notify-test-\(UInt32.random(in: 0...UInt32.max))")
        #expect(messages.map(\.ready) == [true, false])
    }

    /// Notify sockets sit on the daemon's one epoll thread: a thousand replicas must not mean a thousand threads.
    /// Other suites of this process start and end threads meanwhile (the CI run saw +2 once), so the count is taken
    /// in up to five rounds and one round without growth is enough; listeners with a thread each would add 20 in
    /// every round, since they keep their threads until closed.
    @Test func listenersStartNoThreadOfTheirOwn() throws {
        let directory = NSTemporaryDirectory() + "berth-notify-threads-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The first listener may start the shared loop's thread.
        let first = try NotifyListener(path: directory + "/first.sock") { _ in }
        defer { first.close() }
        var growths: [Int] = []
        for round in 0..<5 {
            let threadsBefore = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
            let listeners = try (0..<20).map { index in
                try NotifyListener(path: directory + "/\(round)-\(index).sock") { _ in }
            }
            let threadsAfter = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
            for listener in listeners { listener.close() }
            growths.append(threadsAfter - threadsBefore)
            if threadsAfter - threadsBefore <= 0 { break }
        }
        #expect(growths.contains { $0 <= 0 }, "threads added by 20 listeners, per round: \(growths)")
    }

    /// An empty datagram (anyone who can reach the socket may send one) is no end of anything: the listener keeps
    /// reading.
    @Test func anEmptyDatagramDoesNotStopTheListener() async throws {
        let path = NSTemporaryDirectory() + "berth-notify-empty-\(UInt32.random(in: 0...UInt32.max)).sock"
        let received = Mutex<[NotifyMessage]>([])
        let listener = try NotifyListener(path: path) { message in received.withLock { $0.append(message) } }
        defer { listener.close() }
        let socket = try #require(NotifySocket(path))
        #expect(socket.send([]))
        #expect(socket.send([("READY", "1")]))
        let deadline = ContinuousClock.now + .seconds(5)
        while !received.withLock({ $0.contains { $0.ready } }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(received.withLock { $0.contains { $0.ready } })
    }

    @Test func nobodyListening() {
        #expect(NotifySocket("/nonexistent/berth.sock")?.send([("READY", "1")]) == false)
    }
}
