import BerthControlProtocol
import Testing

@testable import BerthHooks

/// A manual clock: instants are plain durations since an origin.
struct TestInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }
}

func at(_ seconds: Int) -> TestInstant { TestInstant(offset: .seconds(seconds)) }

func event(_ message: String, kind: HookEventKind = .gaveUp) -> HookEvent {
    HookEvent(kind: kind, project: "p", service: "web", replica: 0, message: message, time: 1)
}

@Suite("HookQueue")
struct HookQueueTests {
    typealias Queue = HookQueue<TestInstant>

    @Test func oneAttemptPerLaneInOrder() {
        var queue = Queue(retries: [0, 0])
        let first = event("a")
        let second = event("b")
        #expect(
            queue.enqueue(first, lanes: [0, 1], now: at(0)) == [
                .attempt(lane: 0, .init(event: first, attempt: 1)), .attempt(lane: 1, .init(event: first, attempt: 1)),
            ])
        // Lane 0 is busy: the second waits; lane 1 finishes and takes it at once.
        #expect(queue.enqueue(second, lanes: [0], now: at(0)) == [])
        #expect(
            queue.attemptEnded(lane: 0, success: true, detail: "", now: at(1)) == [
                .delivered(lane: 0, .init(event: first, attempt: 1)),
                .attempt(lane: 0, .init(event: second, attempt: 1)),
            ])
    }

    @Test func retriesWithDoublingBackoffThenFails() {
        var queue = Queue(retries: [2])
        let failing = event("x")
        _ = queue.enqueue(failing, lanes: [0], now: at(0))
        #expect(
            queue.attemptEnded(lane: 0, success: false, detail: "exit 1", now: at(1)) == [.wake(lane: 0, at: at(2))])
        // Early wake-up: wait again.
        #expect(queue.retryDue(lane: 0, now: at(1)) == [.wake(lane: 0, at: at(2))])
        #expect(queue.retryDue(lane: 0, now: at(2)) == [.attempt(lane: 0, .init(event: failing, attempt: 2))])
        #expect(
            queue.attemptEnded(lane: 0, success: false, detail: "exit 1", now: at(3)) == [.wake(lane: 0, at: at(5))])
        _ = queue.retryDue(lane: 0, now: at(5))
        #expect(
            queue.attemptEnded(lane: 0, success: false, detail: "timed out", now: at(6)) == [
                .failed(lane: 0, .init(event: failing, attempt: 3), detail: "timed out")
            ])
        #expect(Queue.backoff(afterAttempt: 10) == .seconds(30))
    }

    @Test func aHangingLaneHoldsBackOnlyItselfAndDropsItsOldest() {
        var queue = Queue(retries: [0, 0], capacity: 2)
        _ = queue.enqueue(event("1"), lanes: [0, 1], now: at(0))
        _ = queue.attemptEnded(lane: 1, success: true, detail: "", now: at(0))
        // Lane 0 never answers; lane 1 keeps delivering; lane 0 keeps the 2 newest waiting.
        var dropped: [String] = []
        for index in 2...5 {
            for action in queue.enqueue(event("\(index)"), lanes: [0, 1], now: at(index)) {
                if case .dropped(0, let lost) = action { dropped.append(lost.message) }
            }
            #expect(
                queue.attemptEnded(lane: 1, success: true, detail: "", now: at(index)).first
                    == .delivered(lane: 1, .init(event: event("\(index)"), attempt: 1)))
        }
        #expect(dropped == ["2", "3"])
        #expect(queue.lanes[0].waiting.map(\.event.message) == ["4", "5"])
    }

    @Test func aLateSecondAnswerIsIgnored() {
        var queue = Queue(retries: [0])
        _ = queue.enqueue(event("1"), lanes: [0], now: at(0))
        _ = queue.attemptEnded(lane: 0, success: false, detail: "timed out", now: at(10))
        #expect(queue.attemptEnded(lane: 0, success: true, detail: "", now: at(11)) == [])
    }
}

@Suite("HookEvent")
struct HookEventTests {
    func daemonEvent(
        _ message: String, kind: DaemonEvent.Kind = .replica, state: ReplicaStateName? = nil
    )
        -> DaemonEvent
    {
        DaemonEvent(time: 5, kind: kind, service: "web", replica: 1, state: state, message: message)
    }

    @Test func classifiesTheSupervisorsWording() {
        let gaveUp = daemonEvent(
            "failed: gave up after 2 restarts within 1m; last: exited with status 1",
            state: .failed)
        #expect(HookEvent.classify(gaveUp, project: "p", restarts: nil).map(\.kind) == [.gaveUp])
        let oom = daemonEvent("killed by the OOM killer (memory limit 64M); restarting in 100 ms", state: .backoff)
        #expect(HookEvent.classify(oom, project: "p", restarts: 3).map(\.kind) == [.oomKilled, .restarted])
        #expect(HookEvent.classify(oom, project: "p", restarts: 3).last?.restarts == 3)
        let atOnce = daemonEvent("exited with status 1; restarted at once (pid 9)", state: .running)
        #expect(HookEvent.classify(atOnce, project: "p", restarts: 1).map(\.kind) == [.restarted])
        let rolledBack = daemonEvent("rolled back to generation 1: replica 0: not ready within 5s", kind: .rollout)
        #expect(HookEvent.classify(rolledBack, project: "p", restarts: nil).map(\.kind) == [.rolledBack])
        #expect(
            HookEvent.classify(daemonEvent("ready (pid 3)", state: .running), project: "p", restarts: nil)
                .isEmpty)
        #expect(
            HookEvent.classify(
                daemonEvent("failed: could not start: no such file", state: .failed),
                project: "p", restarts: nil
            ).isEmpty)
    }

    @Test func jsonAndVariables() {
        let event = HookEvent(
            kind: .restarted, project: "shop", service: "web", replica: 0,
            message: "say \"hi\"\n", time: 1.5, restarts: 4)
        #expect(
            event.json == #"{"kind":"restarted","message":"say \"hi\"\n","project":"shop","replica":0,"#
                + #""restarts":4,"service":"web","time":1.5}"#)
        #expect(event.environment["BERTH_EVENT_KIND"] == "restarted")
        #expect(event.environment["BERTH_EVENT_RESTARTS"] == "4")
        #expect(event.environment["BERTH_EVENT_REPLICA"] == "0")
    }

    @Test func restartsThreshold() {
        let hook = HookSpec(target: .command(["x"]), events: [.restarted], restarts: 3)
        let restarted = { (count: Int) in
            HookEvent(kind: .restarted, project: "p", service: "web", message: "", time: 0, restarts: count)
        }
        #expect([1, 2, 3, 4, 5, 6].filter { hook.matches(restarted($0)) } == [3, 6])
        let scoped = HookSpec(target: .command(["x"]), events: HookEventKind.failures, service: "api")
        #expect(!scoped.matches(event("x")))
    }
}
