import BerthControlProtocol
import BerthProcess
import BerthSupervisor
import Testing

/// One replica stopped on its own against fake processes: it is held through a crash-free exit, a rolling restart,
/// a scale and a manifest rollout, and comes back with the current generation when started.
@Suite struct ReplicaHoldTests {
    static let manifest = """
        services:
          worker:
            command: ["worker"]
            replicas: 3
        """

    @Test func aStoppedReplicaStaysStoppedUntilStarted() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000)).ok)
        let before = processes.running("worker")

        let stop = try await supervisor.perform(
            .replica(service: "worker", index: 1, action: .stop, timeoutMilliseconds: 2000))
        #expect(stop.ok && stop.message == "worker.1 stopped", "\(stop)")
        #expect(processes.running("worker").keys.sorted() == [0, 2])
        var replicas = try #require(await supervisor.status().services.first).replicas
        #expect(replicas.map(\.state) == [.running, .stopped, .running])
        #expect(replicas.map(\.held) == [nil, true, nil])

        // A rolling restart replaces the serving replicas only; the service counts as ready without replica 1.
        let restart = try await supervisor.perform(.restart(service: "worker", timeoutMilliseconds: 2000))
        #expect(restart.ok, "\(restart)")
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000)).ok)
        replicas = try #require(await supervisor.status().services.first).replicas
        #expect(replicas.map(\.generation) == [2, 1, 2])
        #expect(replicas[1].state == .stopped && replicas[1].held == true)
        #expect(processes.running("worker")[1] == nil)
        #expect(processes.running("worker")[0] != before[0])

        // Starting it again gives it the current spec (a fresh slot) and clears the hold.
        let start = try await supervisor.perform(
            .replica(service: "worker", index: 1, action: .start, timeoutMilliseconds: 2000))
        #expect(start.ok && start.message == "worker.1 started", "\(start)")
        replicas = try #require(await supervisor.status().services.first).replicas
        #expect(replicas.map(\.generation) == [2, 2, 2])
        #expect(replicas.allSatisfy { $0.held == nil && $0.ready })
        #expect(processes.running("worker").keys.sorted() == [0, 1, 2])
    }

    @Test func badTargetsAreClearErrors() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000)).ok)
        await #expect(throws: ControlAPIError.notFound("worker has no replica 3 (it has 3 replicas: 0 to 2)")) {
            _ = try await supervisor.perform(
                .replica(service: "worker", index: 3, action: .stop, timeoutMilliseconds: 100))
        }
        await #expect(throws: ControlAPIError.unknownService("nope")) {
            _ = try await supervisor.perform(
                .replica(service: "nope", index: 0, action: .stop, timeoutMilliseconds: 100))
        }
        #expect(
            try await supervisor.perform(
                .replica(service: "worker", index: 2, action: .stop, timeoutMilliseconds: 2000)
            ).ok)
        _ = try await supervisor.perform(.stop(service: "worker", timeoutMilliseconds: 2000))
        do {
            _ = try await supervisor.perform(
                .replica(service: "worker", index: 0, action: .start, timeoutMilliseconds: 100))
            Issue.record("a replica of a stopped service started")
        } catch {
            #expect(error.status == 409 && error.message.contains("berth start worker"), "\(error)")
        }
        // `start` of the service releases the holds and starts every replica.
        #expect(try await supervisor.perform(.start(service: "worker", timeoutMilliseconds: 2000)).ok)
        let replicas = try #require(await supervisor.status().services.first).replicas
        #expect(replicas.allSatisfy { $0.held == nil && $0.ready }, "\(replicas)")
        #expect(processes.running("worker").keys.sorted() == [0, 1, 2])
    }
}
