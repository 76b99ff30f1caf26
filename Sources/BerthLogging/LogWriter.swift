import BerthSystem

/// Carries log records to a driver on a thread of its own, through a `LaneQueue`: the output pump and the
/// supervisor only queue records, never wait for the journal or the disk.
///
/// A replica's lane that fills up calls the lane's `pressure(true)` handler (the supervisor closes the replica's
/// output valve, so the pump stops reading its pipes); once drained, `pressure(false)` reopens it.
public final class LogWriter: @unchecked Sendable {
    /// A replica's lane: one per process, so that a new incarnation never waits for its predecessor's lines.
    public struct Lane: Hashable, Sendable {
        public var service: String
        public var replica: Int
        public var incarnation: Int

        public init(service: String, replica: Int, incarnation: Int) {
            self.service = service
            self.replica = replica
            self.incarnation = incarnation
        }
    }

    public static let defaultHighWater = 4096
    public static let defaultLowWater = 1024

    public let driverName: String
    private let driver: any LogDriver
    private let condition = ConditionLock()
    // Guarded by `condition`.
    private var queue: LaneQueue<Lane, LogRecord>
    private var pressureHandlers: [Lane: @Sendable (Bool) -> Void] = [:]
    /// Lanes whose producer ended while paused: their handler goes once it has been told to resume.
    private var closing: Set<Lane> = []
    private var writing = false
    private var failures = 0
    private var lastFailure: String?
    /// Failures since `windowStart` (a minute-long window, reset by the first failure after it ends).
    private var windowFailures = 0
    private var windowStart: ContinuousClock.Instant?

    public init(
        driver: any LogDriver, highWater: Int = LogWriter.defaultHighWater, lowWater: Int = LogWriter.defaultLowWater
    ) {
        self.driver = driver
        self.driverName = driver.name
        self.queue = LaneQueue(highWater: highWater, lowWater: lowWater)
        do {
            try System.startThread(name: "berth-log-writer") { [self] in self.run() }
        } catch {
            // Only when the process cannot make one more thread: nothing the daemon could run without.
            fatalError("berthd: cannot start the log writer's thread: \(error)")
        }
    }

    /// Sets who hears about `lane` filling up (`true`) and draining (`false`).
    public func onPressure(_ lane: Lane, _ handler: @escaping @Sendable (Bool) -> Void) {
        condition.lock()
        pressureHandlers[lane] = handler
        condition.unlock()
    }

    /// Queues a replica's line. Never blocks and never drops: a full lane asks its producer to pause instead.
    public func write(_ record: LogRecord, lane: Lane) {
        condition.lock()
        let signal = queue.push(record, lane: lane)
        let handler = pressureHandlers[lane]
        // The writer only waits with an empty queue; broadcast, since `flush` may wait on the condition too.
        if !writing { condition.broadcast() }
        condition.unlock()
        if case .pause = signal { handler?(true) }
    }

    /// Queues one of the daemon's events ahead of replica lines.
    public func writeEvent(_ record: LogRecord) {
        condition.lock()
        queue.pushUrgent(record)
        if !writing { condition.broadcast() }
        condition.unlock()
    }

    /// Forgets a lane's pressure handler once its process's output has ended (after telling a paused producer
    /// to resume, so that a pipe still held by a descendant is read to its end).
    public func closeLane(_ lane: Lane) {
        condition.lock()
        if queue.isPaused(lane) {
            closing.insert(lane)
        } else {
            pressureHandlers[lane] = nil
        }
        condition.unlock()
    }

    /// Waits (blocking, up to `timeout`) until every queued record is stored: at shutdown, and in tests.
    public func flush(timeout: Duration = .seconds(5)) {
        let deadline = ContinuousClock.now + timeout
        condition.lock()
        while !queue.isEmpty || writing {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    /// How many records the driver refused (they are reported on stderr, once per 1000).
    public var failureCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return failures
    }

    /// Records taken from the queue per lock: fewer lock round trips and wake-ups; the queue still decides the
    /// order (round-robin), so a batch never favours one lane.
    public static let batchSize = 256

    private func run() {
        var batch: [LogRecord] = []
        var resumed: [@Sendable (Bool) -> Void] = []
        batch.reserveCapacity(Self.batchSize)
        while true {
            condition.lock()
            while queue.isEmpty {
                writing = false
                condition.broadcast()
                condition.wait()
            }
            writing = true
            while batch.count < Self.batchSize, let (record, signal) = queue.pop() {
                batch.append(record)
                if case .resume(let lane) = signal {
                    if let handler = pressureHandlers[lane] { resumed.append(handler) }
                    if closing.remove(lane) != nil { pressureHandlers[lane] = nil }
                }
            }
            condition.unlock()
            for handler in resumed { handler(false) }
            resumed.removeAll(keepingCapacity: true)
            for record in batch {
                do {
                    try driver.write(record)
                } catch {
                    reportFailure(error)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Records the driver refused within the last minute, and the last reason; nil when none.
    public var recentFailure: (count: Int, last: String)? {
        condition.lock()
        defer { condition.unlock() }
        guard let windowStart, ContinuousClock.now - windowStart < .seconds(60), windowFailures > 0 else { return nil }
        return (windowFailures, lastFailure ?? "")
    }

    private func reportFailure(_ error: LogDriverError) {
        condition.lock()
        let now = ContinuousClock.now
        if windowStart.map({ now - $0 >= .seconds(60) }) ?? true {
            windowStart = now
            windowFailures = 0
        }
        windowFailures += 1
        lastFailure = error.description
        failures += 1
        let count = failures
        condition.unlock()
        if count % 1000 == 1 {
            try? System.writeAll(2, Array("berthd: cannot store a log line (\(driver.name)): \(error)\n".utf8))
        }
    }
}
