import BerthControlProtocol

/// The lines that explain a failed operation: each replica that did not get there, why, how its process last
/// ended, and its last stderr lines (from the status the daemon sent along), control characters made visible.
enum NotReadyReport {
    static let stderrLines = 5

    static func lines(_ response: OperationResponse) -> [String] {
        var lines: [String] = []
        for item in response.notReady {
            let label = item.replica.map { "\(item.service).\($0)" } ?? item.service
            let state = item.state.map { " (\($0.rawValue))" } ?? ""
            lines.append("  \(label)\(state): \(TerminalText.visible(item.reason))")
            guard let replica = item.replica, let status = replicaStatus(item.service, replica, in: response.status)
            else { continue }
            if let lastExit = status.lastExit, !item.reason.contains(lastExit) {
                lines.append("    last exit: \(TerminalText.visible(lastExit))")
            }
            let stderr = (status.lastStderr ?? []).suffix(stderrLines)
            if !stderr.isEmpty {
                lines.append("    last stderr:")
                lines.append(contentsOf: stderr.map { "      \(TerminalText.visible($0))" })
            }
        }
        return lines
    }

    static func replicaStatus(_ service: String, _ index: Int, in status: StatusResponse?) -> ReplicaStatus? {
        status?.services.first { $0.name == service }?.replicas.first { $0.index == index }
    }

    /// The failure of an operation whose answer was `ok: false`: `summary`, the daemon's message, the lines.
    static func failure(_ response: OperationResponse, summary: String) -> CLIFailure {
        let message = response.message.isEmpty ? summary : "\(summary): \(response.message)"
        return .failed(message, details: lines(response))
    }
}
