import BerthManifest
import BerthProcess
import Logging
import Testing

@testable import BerthSupervisor

/// The supervisor's timers run on the clock it is given: a long backoff is tested without waiting for it.
@Suite("Supervisor: injected clock")
struct InjectedClockTests {
    static let manifest = """
        services:
          web:
            command: ["web"]
            restart:
              backoff: { initial: 60s, max: 60s, jitter: 0 }
              reset_after: 1h
        """

    @Test func aSecondCrashWaitsItsBackoffOnTheSupervisorsClock() async throws {
        let processes = FakeProcesses()
        let clock = ManualSupervisorClock()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes, clock: clock)
        await supervisor.up()
        // The first crash restarts at once; the second waits the backoff's `initial` delay, on the given clock.
        let first = try #require(processes.running("web")[0])
        processes.exit(first, .exited(1))
        #expect(await eventually { processes.running("web")[0].map { $0 != first } ?? false })
        let second = try #require(processes.running("web")[0])
        processes.exit(second, .exited(1))
        #expect(await eventually { await supervisor.status().services[0].replicas[0].state == .backoff })
        #expect(await eventually { clock.sleeping > 0 })
        clock.advance(by: .seconds(59))
        try await Task.sleep(for: .milliseconds(20))
        #expect(processes.running("web")[0] == nil)
        #expect(await supervisor.status().services[0].replicas[0].state == .backoff)
        clock.advance(by: .seconds(1))
        #expect(await eventually { processes.running("web")[0] != nil })
        #expect(await supervisor.status().services[0].replicas[0].restarts == 2)
    }
}
