import BerthSystem
import Glibc
import Synchronization
import Testing

@testable import BerthProcess

/// Probe connections (`TickedHandler`) in the pump's second epoll set: served when the pump wakes (a tick while one
/// waits with a deadline, a timer, any other descriptor), never woken for on their own. Each test has a pump of its
/// own, so that no other test's descriptors wake it.
@Suite(.timeLimit(.minutes(1))) struct TickedWatchTests {
    /// Reads one byte per call and records it.
    final class Recorder: TickedHandler {
        let fd: Int32
        private let log = Mutex<[String]>([])

        init(fd: Int32) { self.fd = fd }

        var events: [String] { log.withLock { $0 } }

        func ready() -> WatchNext {
            var byte: UInt8 = 0
            let got = read(fd, &byte, 1)
            log.withLock { $0.append(got == 1 ? "byte \(byte)" : "nothing") }
            return .read
        }

        func timedOut() { log.withLock { $0.append("timed out") } }
    }

    private func socketPair() throws -> (watched: Int32, peer: Int32) {
        var fds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    private func send(_ value: UInt8, to peer: Int32) {
        var byte = value
        #expect(write(peer, &byte, 1) == 1)
    }

    @Test func aReadyTickedDescriptorWaitsForTheNextWakeUp() async throws {
        let pump = try OutputPump()
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let idle = Recorder(fd: watched)
        // No deadline: nothing plans a tick for it (a kept connection between probes).
        try pump.watch(watched, for: .read, deadline: nil, handler: idle)
        send(1, to: peer)
        try await Task.sleep(for: .milliseconds(150))
        #expect(idle.events.isEmpty, "a ready ticked descriptor woke the pump")
        // Any wake-up serves it: here a timer's.
        let fired = Atomic<Bool>(false)
        pump.after(.now + .milliseconds(1)) { fired.store(true, ordering: .relaxed) }
        try await eventually("the timer") { fired.load(ordering: .relaxed) }
        try await eventually("the ticked descriptor served on that wake-up") { idle.events == ["byte 1"] }
    }

    @Test func aWatchWithADeadlineIsServedOnATick() async throws {
        let pump = try OutputPump()
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let probe = Recorder(fd: watched)
        try pump.watch(watched, for: .read, deadline: .now + .seconds(30), handler: probe)
        let sent = ContinuousClock.now
        send(2, to: peer)
        try await eventually("the response read on a tick") { probe.events == ["byte 2"] }
        // Bounded by the tick (10 ms), with room for a loaded machine; without the tick it would wait 30 s.
        #expect(ContinuousClock.now - sent < .seconds(5))
    }

    @Test func aResponseThatArrivedBeforeTheDeadlineIsNoTimeout() async throws {
        let pump = try OutputPump()
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let probe = Recorder(fd: watched)
        send(3, to: peer)
        // Due before the next tick: the pump wakes at the deadline and reads first.
        try pump.watch(watched, for: .read, deadline: .now + .milliseconds(2), handler: probe)
        try await eventually("an answer") { !probe.events.isEmpty }
        #expect(probe.events.first == "byte 3")
    }
}
