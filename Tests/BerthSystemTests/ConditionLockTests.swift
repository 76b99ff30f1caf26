import BerthSystem
import Glibc
import Synchronization
import Testing

/// The log writer's lock and thread without Foundation: timed waits end at their deadline, a broadcast wakes a
/// waiter, and the thread carries its name. The waits run on threads of their own, never on the test's.
@Suite struct ConditionLockTests {
    final class Flag: @unchecked Sendable {
        var go = false
    }

    @Test func aTimedWaitGivesUpAtItsDeadline() async throws {
        let lock = ConditionLock()
        let result = Mutex<(woken: Bool, waited: Duration)?>(nil)
        try System.startThread(name: "berth-test-wait") {
            let start = ContinuousClock.now
            lock.lock()
            let woken = lock.wait(until: start + .milliseconds(50))
            lock.unlock()
            result.withLock { $0 = (woken, ContinuousClock.now - start) }
        }
        try await waitUntil { result.withLock { $0 != nil } }
        let (woken, waited) = try #require(result.withLock { $0 })
        #expect(!woken)
        #expect(waited >= .milliseconds(50))
        #expect(waited < .seconds(5))
    }

    @Test func aBroadcastWakesAWaiterOnANamedThread() async throws {
        let lock = ConditionLock()
        let flag = Flag()
        let state = Mutex((ready: false, woken: false, name: ""))
        try System.startThread(name: "berth-test-cond-and-more") {
            var buffer = [UInt8](repeating: 0, count: 32)
            let fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
            let count = (try? System.read(fd, into: &buffer)) ?? 0
            System.close(fd)
            let name = String(decoding: buffer.prefix(count).prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            lock.lock()
            state.withLock {
                $0.ready = true
                $0.name = name
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !flag.go, lock.wait(until: deadline) {}
            let woken = flag.go
            lock.unlock()
            state.withLock { $0.woken = woken }
        }
        try await waitUntil { state.withLock { $0.ready } }
        lock.lock()
        flag.go = true
        lock.broadcast()
        lock.unlock()
        try await waitUntil { state.withLock { $0.woken } }
        // Linux keeps 15 bytes of a thread's name.
        #expect(state.withLock { $0.name } == "berth-test-cond")
    }

    private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "timed out")
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
