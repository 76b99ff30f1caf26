import BerthControlProtocol
import Testing

@testable import BerthSupervisor

/// An operation that waits while a dependant starts must see the dependant's replicas starting, never judge the
/// slots its start just created (still stopped until their queued `.start` runs) as "stopped".
@Suite("Supervisor: waiting while dependants start")
struct WaitingForDependantsTests {
    @Test func waitReadySeesADependantStartingAfterItsDependencyCompleted() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              migrate:
                command: ["migrate"]
                restart: { policy: on-failure }
              web:
                command: ["web"]
                replicas: 2
                depends_on: { migrate: completed }
            """,
            processes: processes
        )
        await supervisor.up()
        let waiting = Task { try await supervisor.perform(.waitReady(timeoutMilliseconds: 5_000)) }
        #expect(await eventually { await supervisor.waiters.count == 1 })
        let migrate = try #require(processes.running("migrate")[0])
        processes.exit(migrate, .exited(0))
        let answer = try await waiting.value
        #expect(answer.ok, "\(answer.message) \(answer.notReady)")
        #expect(processes.running("web").count == 2)
    }
}
