import ShopKit
import Synchronization
import Testing

/// The async lock: one holder at a time across suspension points, every waiter served (a lost wake-up would hang
/// the test), and waiters served in the order they came.
@Suite struct AsyncLockTests {
    final class Record: Sendable {
        let holders = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let order = Mutex<[Int]>([])
    }

    @Test func oneHolderAtATimeAndNoWaiterIsLost() async {
        let lock = AsyncLock()
        let record = Record()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await lock.lock()
                    let now = record.holders.add(1, ordering: .relaxed).newValue
                    _ = record.most.max(now, ordering: .relaxed)
                    await Task.yield()  // held across a suspension, as a transaction holds it across its waits
                    record.holders.subtract(1, ordering: .relaxed)
                    record.done.add(1, ordering: .relaxed)
                    lock.unlock()
                }
            }
        }
        #expect(record.done.load(ordering: .relaxed) == 200)
        #expect(record.most.load(ordering: .relaxed) == 1)
    }

    @Test func waitersAreServedInTheOrderTheyCame() async {
        let lock = AsyncLock()
        let record = Record()
        await lock.lock()
        var waiters: [Task<Void, Never>] = []
        for index in 0..<5 {
            waiters.append(
                Task {
                    await lock.lock()
                    record.order.withLock { $0.append(index) }
                    lock.unlock()
                })
            // Each waiter is in line before the next one starts.
            while lock.waiting <= index { await Task.yield() }
        }
        lock.unlock()
        for waiter in waiters { await waiter.value }
        #expect(record.order.withLock { $0 } == [0, 1, 2, 3, 4])
    }
}
