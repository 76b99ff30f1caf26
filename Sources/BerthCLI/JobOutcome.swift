import BerthControlProtocol
import BerthManifest

/// How a one-shot job ended, read from status: what `berth up --exit-code-from JOB` returns. Pure, so the mapping
/// (first failing replica's status; 128 + signal when a signal ended it, as shells report it) is unit-tested.
struct JobOutcome: Equatable, Sendable {
    var exitCode: Int32
    /// "migrate exited with status 3", for the terminal.
    var summary: String

    /// Nil while the job has not finished: some replica is still starting, running or backing off.
    init?(_ status: StatusResponse, job: String) {
        guard let service = status.service(job), !service.replicas.isEmpty,
            service.replicas.count >= service.desired,
            service.replicas.allSatisfy({ $0.state == .completed || $0.state == .failed })
        else { return nil }
        let failed = service.replicas.filter { $0.state == .failed }.sorted { $0.index < $1.index }
        guard let first = failed.first else {
            exitCode = 0
            summary = "\(job) completed"
            return
        }
        let description = first.lastExit ?? first.reason ?? "failed"
        if let code = first.exitCode, code != 0 {
            exitCode = Int32(truncatingIfNeeded: code)
        } else if let name = description.split(separator: " ").first(where: { $0.hasPrefix("SIG") }),
            let signal = Signals.number(named: String(name))
        {
            exitCode = 128 + signal
        } else {
            exitCode = 1
        }
        summary = "\(job)" + (service.replicas.count > 1 ? ".\(first.index)" : "") + " failed: \(description)"
    }
}

extension StatusResponse {
    func service(_ name: String) -> ServiceStatus? {
        services.first { $0.name == name }
    }
}
