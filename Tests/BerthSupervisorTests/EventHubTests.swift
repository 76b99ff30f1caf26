import BerthControlProtocol
import Testing

@testable import BerthSupervisor

@Suite struct EventHubTests {
    func event(_ message: String, kind: DaemonEvent.Kind = .replica) -> DaemonEvent {
        DaemonEvent(time: 1, kind: kind, service: "web", replica: 0, message: message)
    }

    @Test func numbersKeepsAndReplaysRecentEvents() async {
        let hub = EventHub(capacity: 3)
        for index in 1...4 { hub.publish(event("e\(index)")) }
        hub.publish(event("tick", kind: .rates))
        // Rates samples are not kept; the ring keeps the newest three.
        #expect(hub.recent().map(\.message) == ["e2", "e3", "e4"])
        #expect(hub.recent().map(\.sequence) == [2, 3, 4])
        #expect(!hub.hasSubscribers)
        let stream = hub.subscribe(tail: 2)
        #expect(hub.hasSubscribers)
        hub.publish(event("e6"))
        hub.finishAll()
        var seen: [String] = []
        for await event in stream { seen.append("\(event.sequence):\(event.message)") }
        #expect(seen == ["3:e3", "4:e4", "6:e6"])
        #expect(!hub.hasSubscribers)
    }

    @Test func aSubscriberThatGoesAwayIsForgotten() async {
        let hub = EventHub()
        var stream: AsyncStream<DaemonEvent>? = hub.subscribe(tail: 0)
        #expect(hub.hasSubscribers)
        var iterator = stream?.makeAsyncIterator()
        hub.publish(event("one"))
        #expect(await iterator?.next()?.message == "one")
        iterator = nil
        stream = nil
        #expect(!hub.hasSubscribers)
    }
}

/// The supervisor's events against fake processes.
@Suite struct SupervisorEventTests {
    @Test func aCrashAndItsReplacementAndScalingArePublished() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              web: { command: ["web"], port: 22000 }
            """,
            processes: processes
        )
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        processes.exit(first, .signaled(9, coreDumped: false))
        #expect(await eventually { processes.running("web")[0].map { $0 != first } ?? false })
        _ = try await supervisor.perform(.scale(ScaleRequest(services: ["web": 2], timeoutMilliseconds: 2000)))
        let events = supervisor.events.recent()
        let replica0 = events.filter { $0.kind == .replica && $0.replica == 0 }
        #expect(replica0.first?.state == .starting)
        #expect(replica0.first?.pid == first)
        #expect(replica0.contains { $0.message == "killed by SIGKILL; restarting at once" })
        #expect(replica0.contains { $0.state == .running && $0.ready == true })
        #expect(replica0.last?.pid != first)
        let scaled = try #require(events.first { $0.kind == .scaled })
        #expect(scaled.service == "web" && scaled.desired == 2 && scaled.message == "scaled to 2 replicas")
        #expect(events.contains { $0.kind == .replica && $0.replica == 1 && $0.state == .running })
        #expect(events.map(\.sequence) == events.map(\.sequence).sorted())
    }
}
