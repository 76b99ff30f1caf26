import BerthControlProtocol
import BerthProcess
import Testing

@testable import BerthSupervisor

/// A crashed replica's replacement is started by whoever reports the exit (the pump's thread for real processes),
/// before the supervisor hears of it; the supervisor adopts it, or kills it when its machine decided otherwise.
@Suite struct RestartHandoffTests {
    static let manifest = """
        services:
          web:
            command: ["web"]
            restart: { reset_after: 1s, give_up: { restarts: 100, within: 60s } }
        """

    /// Waits until the replacement for incarnation `incarnation` of web.0 is prepared.
    func prepared(_ supervisor: Supervisor, incarnation: Int) async -> Bool {
        await eventually { await supervisor.restartHandoffs["web.0"]?.isPrepared(for: incarnation) ?? false }
    }

    @Test func theReplacementStartsWithinTheExitReportAndIsAdopted() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        #expect(await prepared(supervisor, incarnation: 2))
        processes.exit(first, .signaled(9, coreDumped: false))
        // Started inside the exit callback, before the supervisor's task could run.
        let second = try #require(processes.running("web")[0])
        #expect(second != first)
        #expect(await eventually { await supervisor.status().services[0].replicas[0].pid == second })
        let replica = await supervisor.status().services[0].replicas[0]
        #expect(replica.restarts == 1)
        #expect(replica.lastExit == "killed by SIGKILL")
        #expect(processes.spawnOrder == ["web.0", "web.0"])
        // And the next exit finds the next one prepared.
        #expect(await prepared(supervisor, incarnation: 3))
    }

    /// The real launcher calls `onDeath` from the pidfd, before the output's EOF and the reap: the replacement starts
    /// there, and the exit reported later starts nothing more.
    @Test func theReplacementStartsAtTheDeathBeforeTheExitIsReported() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        #expect(await prepared(supervisor, incarnation: 2))
        processes.die(first, .signaled(9, coreDumped: false))
        #expect(processes.spawnOrder == ["web.0", "web.0"])
        processes.exit(first, .signaled(9, coreDumped: false))
        let second = try #require(processes.running("web")[0])
        #expect(second != first)
        #expect(await eventually { await supervisor.status().services[0].replicas[0].pid == second })
        #expect(processes.spawnOrder == ["web.0", "web.0"])
        #expect(await supervisor.status().services[0].replicas[0].restarts == 1)
    }

    /// web.0 killed (its death, then its exit) while its replacement, started at the death, has not exec'd yet.
    func killedBeforeTheReplacementExecs() async throws -> (FakeProcesses, Supervisor, first: Int32, second: Int32) {
        let processes = FakeProcesses()
        processes.state.withLock { $0.execAtSpawn = false }
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        #expect(await prepared(supervisor, incarnation: 2))
        processes.die(first, .signaled(9, coreDumped: false))
        processes.exit(first, .signaled(9, coreDumped: false))
        let second = try #require(processes.running("web")[0])
        return (processes, supervisor, first, second)
    }

    /// The news of the exit waits for the replacement's exec (the supervisor's work for it would take the core the
    /// new child needs), then the supervisor adopts it as before; the bound set for the wait then finds nothing.
    @Test func theExitIsReportedOnceTheReplacementExecs() async throws {
        let (processes, supervisor, first, second) = try await killedBeforeTheReplacementExecs()
        // Held: the bound is armed, and the exit has not reached the supervisor.
        #expect(processes.state.withLock { $0.later.count } == 1)
        #expect(await supervisor.status().services[0].replicas[0].pid == first)
        processes.exec(second)
        #expect(await eventually { await supervisor.status().services[0].replicas[0].pid == second })
        processes.runLaterNow()
        #expect(await supervisor.status().services[0].replicas[0].restarts == 1)
        #expect(processes.spawnOrder == ["web.0", "web.0"])
    }

    /// A replacement that never reaches its exec (stuck before it) does not hide the exit: the bound reports it.
    @Test func aReplacementStuckBeforeItsExecDoesNotHideTheExit() async throws {
        let (processes, supervisor, _, second) = try await killedBeforeTheReplacementExecs()
        processes.runLaterNow()
        #expect(await eventually { await supervisor.status().services[0].replicas[0].pid == second })
        processes.exec(second)
        let replica = await supervisor.status().services[0].replicas[0]
        #expect(replica.restarts == 1)
        #expect(replica.lastExit == "killed by SIGKILL")
    }

    @Test func aStoppedReplicaHasNothingPrepared() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        #expect(await prepared(supervisor, incarnation: 2))
        _ = try await supervisor.perform(.stop(service: "web", timeoutMilliseconds: 2000))
        #expect(await eventually { processes.running("web").isEmpty })
        #expect(await supervisor.restartHandoffs["web.0"]?.isPrepared(for: 2) == false)
        #expect(processes.spawnOrder == ["web.0"])
    }

    @Test func aReplacementTheMachineDoesNotTakeIsKilled() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes)
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        #expect(await prepared(supervisor, incarnation: 2))
        // The exit is being reported (the replacement starts) while a stop reaches the supervisor first.
        let handoff = try #require(await supervisor.restartHandoffs["web.0"])
        handoff.exited(incarnation: 1, status: .signaled(9, coreDumped: false), at: .now)
        let replacement = try #require(processes.state.withLock { $0.spawned.keys.first { $0 != first } })
        _ = try await supervisor.perform(.stop(service: "web", timeoutMilliseconds: 2000))
        #expect(await eventually { processes.running("web").isEmpty })
        #expect(processes.state.withLock { $0.signals.contains { $0 == (replacement, 9) } })
        let replica = await supervisor.status().services[0].replicas[0]
        #expect(replica.state == .stopped)
        #expect(replica.restarts == 0)
    }

    @Test func aCrashLoopStillBacksOff() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              web:
                command: ["web"]
                restart: { reset_after: 60s, backoff: { initial: 30s } }
            """, processes: processes)
        await supervisor.up()
        let first = try #require(processes.running("web")[0])
        #expect(await prepared(supervisor, incarnation: 2))
        processes.exit(first, .signaled(9, coreDumped: false))
        let second = try #require(processes.running("web")[0])
        // The second failure within reset_after waits the backoff: what is prepared is for 60 s from now.
        #expect(await eventually { await supervisor.status().services[0].replicas[0].pid == second })
        #expect(await prepared(supervisor, incarnation: 3))
        processes.exit(second, .signaled(9, coreDumped: false))
        #expect(processes.running("web").isEmpty)
        #expect(await eventually { await supervisor.status().services[0].replicas[0].state == .backoff })
    }
}
