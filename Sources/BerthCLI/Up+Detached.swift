import BerthControlProtocol
import BerthManifest
import Dispatch
import Foundation
import Synchronization

extension BerthCommand.Up {
    /// `up -d`: POST /v1/wait; on a terminal, a "3/5 replicas ready" line is redrawn meanwhile from polled status.
    func waitUntilReady(_ context: ProjectContext, selection: ServiceSelection) throws(CLIFailure) {
        let timeout = self.timeout
        let wait = { @Sendable () -> Result<OperationResponse, CLIFailure> in
            let body = WaitRequest(timeoutMilliseconds: timeout.milliseconds)
            return Result { () throws(CLIFailure) in try context.operation("/v1/wait", body: body, timeout: timeout) }
        }
        let selected = Set(selection.services)
        let response = try (Terminal.stdoutIsTTY ? Self.withProgress(context, selected, wait) : wait()).get()
        let project = context.manifest?.project ?? ""
        // Not "after TIMEOUT": a replica that cannot start ends the wait at once (audit3, audit4).
        guard response.ok else { throw Self.notReadyFailure(response, project: project) }
        var status: StatusResponse
        if let sent = response.status {
            status = sent
        } else {
            status = try context.status()
        }
        // Services left out (`berth up web`, profiles) are not "ready"; the table still shows them.
        let table = status
        status.services = status.services.filter { selected.contains($0.name) }
        let jobs = Set(context.manifest?.services.values.filter { $0.restart.policy != .always }.map(\.name) ?? [])
        let scheduled = Set(context.manifest?.services.values.filter { $0.schedule != nil }.map(\.name) ?? [])
        Terminal.line("project \(project) is up: " + Self.readySummary(status, jobs: jobs, scheduled: scheduled))
        Terminal.out(StatusTable.render(table))
    }

    /// Why `up -d` failed. The daemon's message says whether the timeout passed (`timed out after 1m`) or a replica
    /// failed for good before it (`cannot complete`, answered at once): the summary claims neither (audit4: it said
    /// "not ready after 1m" for a project whose job had failed within a second).
    static func notReadyFailure(_ response: OperationResponse, project: String) -> CLIFailure {
        NotReadyReport.failure(response, summary: "project \(project) is not ready")
    }

    /// "2 services ready, 1 job completed": one-shot jobs (restart policy `on-failure` or `never`) are not services
    /// that stay ready, so they are counted apart.
    /// Scheduled jobs (`schedule:`) wait for their time: "1 job scheduled".
    /// A job still running when the wait ends (an `on-failure` worker that does not end) counts as ready, not as
    /// completed (audit3: "1 job completed" was said of a replica that was running).
    static func readySummary(_ status: StatusResponse, jobs: Set<String>, scheduled: Set<String> = []) -> String {
        let completed = { (service: ServiceStatus) in
            jobs.contains(service.name) && service.replicas.allSatisfy { $0.state == .completed }
        }
        let serviceCount = status.services.count { !scheduled.contains($0.name) && !completed($0) }
        let jobCount = status.services.count { !scheduled.contains($0.name) && completed($0) }
        let scheduledCount = status.services.count { scheduled.contains($0.name) }
        var parts = ["\(serviceCount) \(serviceCount == 1 ? "service" : "services") ready"]
        if jobCount > 0 { parts.append("\(jobCount) \(jobCount == 1 ? "job" : "jobs") completed") }
        if scheduledCount > 0 { parts.append("\(scheduledCount) \(scheduledCount == 1 ? "job" : "jobs") scheduled") }
        return parts.joined(separator: ", ")
    }

    /// Runs `operation` on its own thread and redraws the progress line every 250 ms until it returns.
    static func withProgress<T: Sendable>(
        _ context: ProjectContext, _ selected: Set<String>, _ operation: @escaping @Sendable () -> T
    ) -> T {
        let outcome = Outcome<T>()
        Thread.detachNewThread {
            outcome.finish(operation())
        }
        while true {
            if let value = outcome.wait(timeout: .milliseconds(250)) {
                Terminal.redraw("")
                return value
            }
            if var status = try? context.probe(timeout: .milliseconds(200)) {
                status.services = status.services.filter { selected.contains($0.name) }
                Terminal.redraw(progressLine(status))
            }
        }
    }

    /// "3/5 replicas ready": ready (or completed) replicas over the desired count of every service.
    static func progressLine(_ status: StatusResponse) -> String {
        // A scheduled job waits for its time: it is not part of being up.
        let services = status.services.filter { $0.schedule == nil }
        let replicas = services.flatMap(\.replicas)
        let ready = replicas.count { $0.ready || $0.state == .completed }
        let desired = services.reduce(0) { $0 + $1.desired }
        return "\(ready)/\(desired) replicas ready"
    }
}

/// A value produced on another thread, waited for with a timeout.
private final class Outcome<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ result: T) {
        value.withLock { $0 = result }
        done.signal()
    }

    func wait(timeout: DispatchTimeInterval) -> T? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return value.withLock { $0 }
    }
}
