import BerthProcess
import BerthSystem
import Glibc
import Synchronization
import Testing

/// The pump's epoll thread serving other modules' descriptors (`ReadinessLoop`): wake-ups, deadlines, cancellation,
/// and that the loop closes what it was given. Each test watches one end of a socket pair and reads the other end:
/// EOF there proves the loop closed its end.
@Suite(.timeLimit(.minutes(1))) struct ReadinessLoopTests {
    /// Records what the loop tells it; reads one byte per wake-up and answers `answer`.
    final class Handler: ReadinessHandler {
        let fd: Int32
        let answer: WatchNext
        private let log = Mutex<[String]>([])

        init(fd: Int32, answer: WatchNext) {
            self.fd = fd
            self.answer = answer
        }

        var events: [String] { log.withLock { $0 } }

        func ready() -> WatchNext {
            var byte: UInt8 = 0
            let got = read(fd, &byte, 1)
            log.withLock { $0.append(got == 1 ? "byte \(byte)" : "nothing") }
            return answer
        }

        func timedOut() {
            log.withLock { $0.append("timed out") }
        }

        func kept(_ fd: Int32, token: UInt64) {
            log.withLock { $0.append("kept \(token)") }
        }
    }

    private func socketPair() throws -> (watched: Int32, peer: Int32) {
        var fds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    /// True once the other end is closed (read returns 0).
    private func peerSeesEOF(_ peer: Int32) -> Bool {
        var byte: UInt8 = 0
        return read(peer, &byte, 1) == 0
    }

    @Test func readableDescriptorWakesItsHandlerAndDoneClosesIt() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let handler = Handler(fd: watched, answer: .done)
        try launcher.readiness.watch(watched, for: .read, deadline: nil, handler: handler)
        var byte: UInt8 = 7
        #expect(write(peer, &byte, 1) == 1)
        try await eventually("the handler's wake-up") { handler.events == ["byte 7"] }
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
        #expect(handler.events == ["byte 7"])
    }

    @Test func keepsWatchingUntilTheHandlerIsDone() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let handler = Handler(fd: watched, answer: .read)
        let token = try launcher.readiness.watch(watched, for: .read, deadline: nil, handler: handler)
        for value: UInt8 in [1, 2, 3] {
            var byte = value
            #expect(write(peer, &byte, 1) == 1)
            try await eventually("byte \(value)") { handler.events.last == "byte \(value)" }
        }
        launcher.readiness.cancel(token)
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
    }

    @Test func aDeadlineEndsTheWatchWithTimedOut() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let handler = Handler(fd: watched, answer: .read)
        let start = ContinuousClock.now
        try launcher.readiness.watch(watched, for: .read, deadline: .now + .milliseconds(150), handler: handler)
        try await eventually("the timeout") { handler.events == ["timed out"] }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(150))
        #expect(elapsed < .seconds(3))
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
    }

    @Test func anEarlierDeadlineWakesALoopThatPlannedALaterOne() async throws {
        let (slowWatched, slowPeer) = try socketPair()
        let (fastWatched, fastPeer) = try socketPair()
        defer {
            close(slowPeer)
            close(fastPeer)
        }
        let slow = Handler(fd: slowWatched, answer: .read)
        let fast = Handler(fd: fastWatched, answer: .read)
        let slowToken = try launcher.readiness.watch(
            slowWatched, for: .read, deadline: .now + .seconds(30), handler: slow)
        let start = ContinuousClock.now
        try launcher.readiness.watch(fastWatched, for: .read, deadline: .now + .milliseconds(100), handler: fast)
        try await eventually("the earlier timeout") { fast.events == ["timed out"] }
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(slow.events.isEmpty)
        launcher.readiness.cancel(slowToken)
        try await eventually("the loop closing the descriptor") { peerSeesEOF(slowPeer) }
    }

    @Test func cancelStopsTheHandlerAndClosesTheDescriptor() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let handler = Handler(fd: watched, answer: .read)
        let token = try launcher.readiness.watch(watched, for: .read, deadline: nil, handler: handler)
        launcher.readiness.cancel(token)
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
        #expect(handler.events.isEmpty)
    }

    /// A kept-alive probe connection between two probes: `.keep` leaves it open and watched, `rewatch` hands it to the
    /// next handler (no epoll_ctl), which then hears the next byte.
    @Test func keepLeavesTheDescriptorWatchedAndRewatchHandsItOn() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let first = Handler(fd: watched, answer: .keep)
        // The byte is there before the watch, and the deadline is 1 s away: a loop that a loaded CI machine kept from
        // running for 200 ms (the old deadline) timed the watch out before hearing the byte.
        var byte: UInt8 = 1
        #expect(write(peer, &byte, 1) == 1)
        let deadline = ContinuousClock.now + .seconds(1)
        let token = try launcher.readiness.watch(watched, for: .read, deadline: deadline, handler: first)
        try await eventually("the keep") { first.events == ["byte 1", "kept \(token)"] }
        // Kept: no deadline any more, still open. A keep that left the deadline in place adds "timed out" by now.
        try await Task.sleep(until: deadline + .milliseconds(300))
        #expect(first.events == ["byte 1", "kept \(token)"])
        #expect(!peerSeesEOF(peer))
        let second = Handler(fd: watched, answer: .done)
        #expect(launcher.readiness.rewatch(token, for: .read, deadline: nil, handler: second))
        byte = 2
        #expect(write(peer, &byte, 1) == 1)
        try await eventually("the next handler's wake-up") { second.events == ["byte 2"] }
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
        #expect(first.events == ["byte 1", "kept \(token)"])
        #expect(!launcher.readiness.rewatch(token, for: .read, deadline: nil, handler: first))
    }

    @Test func timersRunInDeadlineOrderOnTheLoop() async throws {
        let fired = Mutex<[Int]>([])
        let start = ContinuousClock.now
        for delay in [150, 50, 100] {
            launcher.readiness.after(start + .milliseconds(delay)) { fired.withLock { $0.append(delay) } }
        }
        try await eventually("the three timers") { fired.withLock { $0.count } == 3 }
        #expect(fired.withLock { $0 } == [50, 100, 150])
        #expect(ContinuousClock.now - start >= .milliseconds(150))
    }

    @Test func anEarlierTimerWakesALoopThatPlannedALaterOne() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let slow = Handler(fd: watched, answer: .read)
        let token = try launcher.readiness.watch(watched, for: .read, deadline: .now + .seconds(30), handler: slow)
        let fired = Atomic<Bool>(false)
        let start = ContinuousClock.now
        launcher.readiness.after(.now + .milliseconds(50)) { fired.store(true, ordering: .relaxed) }
        try await eventually("the timer") { fired.load(ordering: .relaxed) }
        #expect(ContinuousClock.now - start < .seconds(3))
        launcher.readiness.cancel(token)
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
    }

    @Test func writableInterestWakesAtOnceOnAnEmptySocket() async throws {
        let (watched, peer) = try socketPair()
        defer { close(peer) }
        let handler = Handler(fd: watched, answer: .done)
        try launcher.readiness.watch(watched, for: .write, deadline: nil, handler: handler)
        try await eventually("the writable wake-up") { handler.events == ["nothing"] }
        try await eventually("the loop closing the descriptor") { peerSeesEOF(peer) }
    }
}
