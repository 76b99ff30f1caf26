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

    @Test func nobodyListening() {
        #expect(NotifySocket("/nonexistent/berth.sock")?.send([("READY", "1")]) == false)
    }
}
