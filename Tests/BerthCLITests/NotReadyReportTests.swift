import BerthControlProtocol
import Testing

@testable import BerthCLI

struct NotReadyReportTests {
    @Test func namesEachReplicaWithReasonExitAndStderr() {
        let response = OperationResponse(
            ok: false,
            message: "timed out after 60s",
            notReady: [
                NotReady(service: "worker", replica: 0, state: .failed, reason: "gave up after 5 restarts in 60s"),
                NotReady(service: "cron", replica: 0, state: .backoff, reason: "restarting in 2s"),
                NotReady(service: "db", replica: nil, state: nil, reason: "dependency web is not ready"),
            ],
            status: sampleStatus
        )
        let failure = NotReadyReport.failure(response, summary: "project shop is not ready after 1m")
        #expect(failure.exitCode == .failure)
        #expect(failure.message == "project shop is not ready after 1m: timed out after 60s")
        #expect(
            failure.details == [
                "  worker.0 (failed): gave up after 5 restarts in 60s",
                "    last exit: exited with status 1",
                "    last stderr:",
                "      connecting to db",
                "      error: connection refused",
                "  cron.0 (backoff): restarting in 2s",
                "    last exit: killed by SIGKILL",
                "  db: dependency web is not ready",
            ]
        )
    }

    @Test func withoutAMessageTheSummaryStandsAlone() {
        let failure = NotReadyReport.failure(OperationResponse(ok: false, message: ""), summary: "scale failed")
        #expect(failure.message == "scale failed")
        #expect(failure.details.isEmpty)
    }
}

/// Found by the fourth outside audit (audit4): `berth up -d` said "project shop is not ready after 1m: cannot
/// complete" when a job had failed within a second and it returned at once; it claimed a wait that never happened.
struct UpNotReadyWordingTests {
    @Test func theSummaryClaimsNoWaitTheDaemonDidNotReport() {
        let failed = OperationResponse(ok: false, message: "cannot complete", notReady: [], status: nil)
        #expect(
            BerthCommand.Up.notReadyFailure(failed, project: "shop").message
                == "project shop is not ready: cannot complete")
        let late = OperationResponse(ok: false, message: "timed out after 60s", notReady: [], status: nil)
        #expect(
            BerthCommand.Up.notReadyFailure(late, project: "shop").message
                == "project shop is not ready: timed out after 60s")
    }
}
