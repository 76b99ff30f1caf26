import ArgumentParser
import BerthControlClient
import BerthControlProtocol
import Testing

@testable import BerthCLI

/// `berth run-now`, `berth up --exit-code-from` (parsing and how a job's end maps to an exit code), and how status
/// shows a scheduled job.
struct ScheduleAndExitCodeTests {
    func replica(
        _ index: Int, _ state: ReplicaStateName, exitCode: Int? = nil, lastExit: String? = nil
    )
        -> ReplicaStatus
    {
        var replica = ReplicaStatus(
            index: index, pid: nil, port: nil, state: state, ready: false, restarts: 0,
            uptimeSeconds: nil, lastExit: lastExit)
        replica.exitCode = exitCode
        return replica
    }

    func status(_ replicas: [ReplicaStatus], desired: Int? = nil) -> StatusResponse {
        StatusResponse(
            project: "p", daemonPID: 1, manifest: "/m",
            services: [ServiceStatus(name: "job", desired: desired ?? replicas.count, replicas: replicas)])
    }

    @Test func jobOutcomeWaitsUntilEveryReplicaIsAtRest() {
        #expect(JobOutcome(status([]), job: "job") == nil)
        #expect(JobOutcome(status([replica(0, .running)]), job: "job") == nil)
        #expect(JobOutcome(status([replica(0, .completed), replica(1, .backoff)]), job: "job") == nil)
        #expect(JobOutcome(status([replica(0, .completed)], desired: 2), job: "job") == nil)
        #expect(JobOutcome(status([replica(0, .completed)]), job: "other") == nil)
    }

    @Test func jobOutcomeCodes() {
        let done = JobOutcome(status([replica(0, .completed, exitCode: 0)]), job: "job")
        #expect(done == JobOutcome.expected(0, "job completed"))
        let failed = JobOutcome(
            status([
                replica(0, .completed),
                replica(
                    1, .failed, exitCode: 3,
                    lastExit: "exited with status 3"),
            ]), job: "job")
        #expect(failed == JobOutcome.expected(3, "job.1 failed: exited with status 3"))
        let killed = JobOutcome(status([replica(0, .failed, lastExit: "killed by SIGKILL")]), job: "job")
        #expect(killed?.exitCode == 137)
        let notRun = JobOutcome(status([replica(0, .failed, lastExit: nil)]), job: "job")
        #expect(notRun?.exitCode == 1)
    }

    @Test func parsing() throws {
        let up = try #require(try BerthCommand.parseAsRoot(["up", "--exit-code-from", "test"]) as? BerthCommand.Up)
        #expect(up.exitCodeFrom == "test")
        #expect(throws: (any Error).self) { try BerthCommand.parseAsRoot(["up", "-d", "--exit-code-from", "test"]) }
        let runNow = try #require(try BerthCommand.parseAsRoot(["run-now", "report"]) as? BerthCommand.RunNow)
        #expect(runNow.job == "report" && !runNow.detach)
        let detached = try #require(try BerthCommand.parseAsRoot(["run-now", "-d", "report"]) as? BerthCommand.RunNow)
        #expect(detached.detach)
        #expect(throws: (any Error).self) { try BerthCommand.parseAsRoot(["run-now", "--timeout", "25h", "report"]) }
        #expect(throws: (any Error).self) { try BerthCommand.parseAsRoot(["run-now", "bad name"]) }
    }

    @Test func runOutcomes() {
        #expect(RunOutcome(OperationResponse(ok: true, message: "report completed")).exitCode == 0)
        func failed(_ reason: String, state: ReplicaStateName = .failed) -> RunOutcome {
            RunOutcome(
                OperationResponse(
                    ok: false, message: "report failed: \(reason)",
                    notReady: [NotReady(service: "report", replica: 0, state: state, reason: reason)]))
        }
        #expect(failed("exited with status 3").exitCode == 3)
        #expect(failed("exited with status 3").failure == nil)
        #expect(failed("killed by SIGTERM").exitCode == 143)
        #expect(failed("killed by SIGKILL (core dumped)").exitCode == 137)
        #expect(failed("cannot run /nope: no such file").exitCode == 1)
        // The wait failed, not the run: said as a failure (exit 1 with a message).
        let timedOut = failed("still running", state: .running)
        #expect(timedOut.exitCode == 1 && timedOut.failure?.contains("still running") == true)
        #expect(RunOutcome(OperationResponse(ok: false, message: "the daemon is stopping")).failure != nil)
    }

    /// A refused run exits 125, apart from every status a job commonly exits with (audit5: it exited 1, the same as a
    /// job that exited 1, and a script could not tell "did not run" from "ran and failed").
    @Test func aRefusedRunHasItsOwnExitStatus() {
        let refusals: [ControlAPIError] = [
            .conflict("a run of report is in progress (concurrency: forbid)"), .unknownService("nope"),
            .badRequest("web has no schedule; use berth restart web to run it again"),
        ]
        for refusal in refusals {
            let failure = BerthCommand.RunNow.failure(.api(refusal), project: "p")
            #expect(failure.exitCode == .refused && failure.exitCode.rawValue == 125, "\(failure)")
            #expect(failure.message.contains(refusal.message))
        }
        // Not refusals: the daemon's own timeout or failure, no daemon, another user's socket.
        #expect(BerthCommand.RunNow.failure(.api(.timeout("timed out")), project: "p").exitCode == .failure)
        #expect(BerthCommand.RunNow.failure(.api(.internalError("boom")), project: "p").exitCode == .failure)
        #expect(BerthCommand.RunNow.failure(.noDaemon(socket: "/s"), project: "p").exitCode == .noDaemon)
        #expect(
            BerthCommand.RunNow.failure(.permissionDenied(socket: "/s"), project: "p").exitCode == .permissionDenied)
        // Every exit status berth gives is distinct.
        #expect(Set(BerthExitCode.allCases.map(\.rawValue)).count == BerthExitCode.allCases.count)
    }

    @Test func statusTableShowsTheSchedule() {
        var service = ServiceStatus(name: "report", desired: 1, replicas: [])
        service.schedule = ScheduleStatus(
            schedule: "every 2s", concurrency: "forbid",
            lastRun: "2026-12-05T18:00:02Z", nextRun: "2026-12-05T18:00:04Z", running: true)
        let table = StatusTable.render(StatusResponse(project: "p", daemonPID: 1, manifest: "/m", services: [service]))
        let note = "    schedule: every 2s, last run 2026-12-05T18:00:02Z (running), next run 2026-12-05T18:00:04Z\n"
        #expect(table.contains(note), "\(table)")
        #expect(
            BerthCommand.Up.readySummary(
                StatusResponse(
                    project: "p", daemonPID: 1, manifest: "/m",
                    services: [service]), jobs: ["report"], scheduled: ["report"])
                == "0 services ready, 1 job scheduled")
    }
}

extension JobOutcome {
    static func expected(_ code: Int32, _ summary: String) -> JobOutcome? {
        var outcome = JobOutcome(
            StatusResponse(
                project: "p", daemonPID: 1, manifest: "/m",
                services: [
                    ServiceStatus(
                        name: "x", desired: 1,
                        replicas: [
                            ReplicaStatus(
                                index: 0, pid: nil, port: nil,
                                state: .completed, ready: false, restarts: 0, uptimeSeconds: nil)
                        ])
                ]), job: "x")!
        outcome.exitCode = code
        outcome.summary = summary
        return outcome
    }
}
