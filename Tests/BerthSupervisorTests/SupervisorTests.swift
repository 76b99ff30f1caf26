import BerthControlProtocol
import BerthManifest
import BerthProcess
import Testing

@testable import BerthSupervisor

typealias ExitStatus = BerthProcess.ExitStatus
typealias ProbeSpecCheck = ProbeSpec.Check

/// The supervisor's bookkeeping against fake processes: ordering, scaling, waiting and reporting.
/// Real processes are exercised by BerthIntegrationTests.
@Suite struct SupervisorTests {
    @Test func dependantsStartOnlyAfterTheirDependenciesReachTheirCondition() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              migrate:
                command: ["migrate"]
                restart: { policy: on-failure }
              web:
                command: ["web"]
                depends_on: { migrate: completed }
              worker:
                command: ["worker"]
                depends_on: { web: started }
            """,
            processes: processes
        )
        await supervisor.up()
        #expect(processes.spawnOrder == ["migrate.0"])
        let migrate = try #require(processes.running("migrate")[0])
        processes.exit(migrate, .exited(0))
        #expect(await eventually { processes.spawnOrder == ["migrate.0", "web.0", "worker.0"] })
        let status = await supervisor.status()
        #expect(status.services.first { $0.name == "migrate" }?.replicas.first?.state == .completed)
    }

    @Test func aFailedOneShotJobHoldsBackItsDependantsAndWaitSaysWhy() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              migrate:
                command: ["migrate"]
                restart: { policy: never }
              web:
                command: ["web"]
                depends_on: { migrate: completed }
            """,
            processes: processes
        )
        await supervisor.up()
        processes.exit(try #require(processes.running("migrate")[0]), .exited(2))
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 2000))
        #expect(answer.ok == false)
        #expect(answer.notReady.contains { $0.service == "migrate" && $0.reason.contains("exited with status 2") })
        #expect(
            answer.notReady.contains { $0.service == "web" && $0.reason.contains("migrate (completed), which failed") })
        #expect(processes.running("web").isEmpty)
    }

    @Test func scalingUpAndDownKeepsIndexesContiguousAndStopsTheHighest() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              web: { command: ["web"], port: 20000 }
            """,
            processes: processes
        )
        await supervisor.up()
        // The timeouts bound a wait that ends at readiness: 2 s timed out 2 times in 9 at load average ~5 (audit11).
        let up = try await supervisor.perform(.scale(ScaleRequest(services: ["web": 4], timeoutMilliseconds: 10_000)))
        #expect(up.ok)
        #expect(up.status?.services.first?.replicas.map(\.index) == [0, 1, 2, 3])
        #expect(up.status?.services.first?.replicas.map(\.port) == [20000, 20001, 20002, 20003])
        let before = processes.running("web")
        let down = try await supervisor.perform(
            .scale(ScaleRequest(services: ["web": 1], timeoutMilliseconds: 10_000)))
        #expect(down.ok)
        #expect(down.status?.services.first?.replicas.map(\.index) == [0])
        #expect(processes.running("web") == [0: before[0]!])
    }

    @Test func aCrashedReplicaIsReplacedAtOnceOnTheSamePortWithItsVariables() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              web:
                command: ["web", "--port", "${PORT}", "--name", "${BERTH_SERVICE}-${BERTH_REPLICA}"]
                port: 21000
                replicas: 2
            """,
            processes: processes
        )
        await supervisor.up()
        let first = try #require(processes.running("web")[1])
        processes.exit(first, .signaled(9, coreDumped: false))
        #expect(await eventually { processes.running("web")[1].map { $0 != first } ?? false })
        let second = try #require(processes.running("web")[1])
        let request = try #require(processes.request(of: second))
        #expect(request.arguments == ["web", "--port", "21001", "--name", "web-1"])
        #expect(request.environment["PORT"] == "21001")
        #expect(request.environment["BERTH_INSTANCE"] == "test")
        let status = await supervisor.status()
        #expect(status.services[0].replicas[1].restarts == 1)
        #expect(status.services[0].replicas[1].lastExit == "killed by SIGKILL")
    }

    @Test func downStopsDependantsBeforeTheirDependencies() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              db: { command: ["db"] }
              api: { command: ["api"], depends_on: [db] }
              web: { command: ["web"], depends_on: [api] }
            """,
            processes: processes
        )
        await supervisor.up()
        #expect(await eventually { processes.spawnOrder.count == 3 })
        let answer = await supervisor.down(timeout: .seconds(2))
        #expect(answer.ok)
        #expect(processes.stopOrder == ["web", "api", "db"])
        #expect(answer.status?.services.allSatisfy { $0.replicas.allSatisfy { $0.state == .stopped } } == true)
    }

    @Test func anExecFailureIsReportedAsSuchWithoutRetrying() async throws {
        let processes = FakeProcesses()
        processes.state.withLock { $0.failing.insert("nope") }
        let supervisor = try makeSupervisor("services:\n  web: { command: [\"nope\"] }\n", processes: processes)
        await supervisor.up()
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 1000))
        #expect(answer.ok == false)
        let replica = try #require(answer.status?.services.first?.replicas.first)
        #expect(replica.state == .failed)
        #expect(replica.reason?.hasPrefix("could not start:") == true)
        #expect(replica.restarts == 0)
    }

    @Test func unknownServicesAreRefused() async throws {
        let supervisor = try makeSupervisor("services:\n  web: { command: [\"web\"] }\n", processes: FakeProcesses())
        await #expect(throws: ControlAPIError.unknownService("nope")) {
            try await supervisor.perform(.stop(service: "nope", timeoutMilliseconds: nil))
        }
    }

    @Test func waitingTimesOutNamingTheReplicaThatIsNotReady() async throws {
        let processes = FakeProcesses()
        let prober = FakeProber()
        prober.failing.withLock { $0.insert(22000) }
        let supervisor = try makeSupervisor(
            "services:\n  web: { command: [\"web\"], port: 22000 }\n", processes: processes, prober: prober
        )
        await supervisor.up()
        let answer = try await supervisor.perform(.waitReady(timeoutMilliseconds: 300))
        #expect(answer.ok == false)
        #expect(answer.message == "timed out after 300ms")
        // The reason names the probe's failure once one was answered (audit6); on a loaded machine the 300 ms may
        // pass before the first probe answers.
        let reasons = ["readiness check failing: connection refused", "readiness check not passing yet"]
        #expect(answer.notReady.count == 1)
        #expect(answer.notReady.first.map { reasons.contains($0.reason) } == true, "\(answer.notReady)")
        #expect(answer.notReady.first?.service == "web")
        #expect(answer.notReady.first?.replica == 0)
        #expect(answer.notReady.first?.state == .starting)
    }
}

@Suite struct NotifyChecksTests {
    let start = ContinuousClock.now

    @Test func readyOnlyForTheIncarnationThatSentIt() {
        var checks = NotifyChecks()
        #expect(checks.evaluate(.notify, incarnation: 2, startedAt: start, now: start)?.success == false)
        checks.readyIncarnation = 1
        #expect(checks.evaluate(.notify, incarnation: 2, startedAt: start, now: start)?.success == false)
        checks.readyIncarnation = 2
        #expect(checks.evaluate(.notify, incarnation: 2, startedAt: start, now: start)?.success == true)
        #expect(checks.evaluate(.tcp, incarnation: 2, startedAt: start, now: start) == nil)
    }

    @Test func watchdogCountsFromStartThenFromTheLastPing() {
        var checks = NotifyChecks()
        let limit = ProbeSpecCheck.watchdog(.seconds(10))
        #expect(checks.evaluate(limit, incarnation: 1, startedAt: start, now: start + .seconds(9))?.success == true)
        #expect(checks.evaluate(limit, incarnation: 1, startedAt: start, now: start + .seconds(11))?.success == false)
        checks.lastPing = (1, start + .seconds(8))
        #expect(checks.evaluate(limit, incarnation: 1, startedAt: start, now: start + .seconds(17))?.success == true)
        #expect(checks.evaluate(limit, incarnation: 1, startedAt: start, now: start + .seconds(19))?.success == false)
        // A ping of an older incarnation does not count for the new one.
        #expect(
            checks.evaluate(limit, incarnation: 2, startedAt: start + .seconds(20), now: start + .seconds(21))?
                .success == true)
        #expect(checks.evaluate(limit, incarnation: 2, startedAt: start, now: start + .seconds(17))?.success == false)
    }
}
