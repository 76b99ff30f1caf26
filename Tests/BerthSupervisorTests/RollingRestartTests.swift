import BerthControlProtocol
import BerthProcess
import BerthSupervisor
import Testing

/// The supervisor carrying out a rolling restart against fake processes: replacements beside the old ones, old ones
/// stopped once their replacement serves, generations and slots in the status.
@Suite struct RollingRestartTests {
    static let manifest = """
        services:
          worker:
            command: ["worker"]
            replicas: 2
        """

    @Test func eachReplicaIsReplacedBesideTheOldOneAndTheGenerationGoesUp() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000)).ok)
        let before = processes.running("worker")
        let answer = try await supervisor.perform(.restart(service: "worker", timeoutMilliseconds: 2000))
        #expect(answer.ok, "\(answer)")
        #expect(answer.message == "worker restarted (generation 2)")
        // Replica 0's replacement was spawned while the old replica 0 still ran, then replica 1's.
        #expect(processes.spawnOrder == ["worker.0", "worker.1", "worker.0", "worker.1"])
        let after = processes.running("worker")
        #expect(Set(after.values).isDisjoint(with: before.values))
        #expect(after.count == 2)
        let service = try #require(await supervisor.status().services.first)
        #expect(service.generation == 2)
        #expect(service.rollout == nil)
        #expect(service.replicas.map(\.index) == [0, 1])
        #expect(service.replicas.map(\.generation) == [2, 2])
        #expect(service.replicas.map(\.slot) == [2, 3])
    }

    @Test func aReplacementThatCannotStartIsRolledBackAndTheOldOnesKeepRunning() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        #expect(try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000)).ok)
        let before = processes.running("worker")
        processes.state.withLock { _ = $0.failing.insert("worker") }
        let answer = try await supervisor.perform(.restart(service: "worker", timeoutMilliseconds: 2000))
        #expect(!answer.ok)
        #expect(answer.notReady.first?.reason.contains("rolled back to generation 1") == true, "\(answer)")
        #expect(processes.running("worker") == before)
        let service = try #require(await supervisor.status().services.first)
        #expect(service.generation == 1)
        #expect(service.replicas.map(\.generation) == [1, 1])
        #expect(service.rollout?.hasPrefix("rolled back") == true)
        // The rollout is over: the service can be scaled again.
        processes.state.withLock { _ = $0.failing.remove("worker") }
        #expect(
            try await supervisor.perform(.scale(ScaleRequest(services: ["worker": 1], timeoutMilliseconds: 2000))).ok)
    }
}
