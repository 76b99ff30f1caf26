import BerthSupervisor
import Synchronization
import Testing

/// `Wakeup` replaces once-a-second polling loops (the usage sampler, the `rates` ticker): a signal must end a wait,
/// a signal sent between waits must not be lost, and a deadline or a cancellation must end a wait without one.
@Suite struct WakeupTests {
    @Test func aSignalEndsAWaitThatHasNoDeadline() async throws {
        let wakeup = Wakeup()
        let ended = Mutex(false)
        let waiter = Task {
            await wakeup.wait(until: nil)
            ended.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!ended.withLock { $0 }, "no signal yet")
        // The waiter may not have stored its continuation yet: the signal is then kept and ends the wait all the same.
        wakeup.signal()
        await waiter.value
        #expect(ended.withLock { $0 })
    }

    @Test func aSignalSentBetweenWaitsIsKeptOnce() async {
        let wakeup = Wakeup()
        wakeup.signal()
        wakeup.signal()
        await wakeup.wait(until: nil)  // returns at once: a signal was kept
        let start = ContinuousClock.now
        await wakeup.wait(until: .now + .milliseconds(200))  // only one was kept: this one waits for its deadline
        #expect(ContinuousClock.now - start >= .milliseconds(200))
    }

    @Test func aDeadlineEndsAWait() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(until: .now + .milliseconds(100))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test func cancellationEndsAWait() async {
        let wakeup = Wakeup()
        let waiter = Task { await wakeup.wait(until: nil) }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await waiter.value  // would hang (and the test time out) if cancellation were ignored
        // A later signal is kept for the next wait, not delivered to the cancelled one.
        wakeup.signal()
        await wakeup.wait(until: nil)
    }
}
