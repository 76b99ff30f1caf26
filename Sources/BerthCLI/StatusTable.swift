public import BerthControlProtocol

/// The human view of `GET /v1/status`: one row per replica, aligned columns, reasons of failed replicas (and a
/// service's rollout) below. Text a replica can influence (reasons, problems) has its control characters made
/// visible (`TerminalText`): the table is for people, `--json` is exact.
///
/// A pure function of the response so that `berth status` and `berth up -d` print the same table and tests can
/// compare it with expected text.
public enum StatusTable {
    static let headers = ["SERVICE", "REPLICA", "PID", "PORT", "STATE", "READY", "RESTARTS", "UPTIME"]

    /// The table, one line per replica (and per reason), each ending with a newline.
    public static func render(_ status: StatusResponse) -> String {
        // Projects with a gateway also show each replica's in-flight requests and request rate.
        let traffic = status.services.contains { $0.replicas.contains { $0.inFlight != nil } }
        // Daemons that sample usage also show each replica's CPU and memory.
        let usage = status.services.contains { $0.replicas.contains { $0.memoryBytes != nil } }
        var headers = traffic ? Self.headers + ["INFLIGHT", "REQ/S"] : Self.headers
        if usage { headers += ["CPU", "MEM"] }
        var rows: [(cells: [String], notes: [String])] = []
        for service in status.services {
            if service.replicas.isEmpty {
                rows.append((cells: [service.name] + Array(repeating: "-", count: headers.count - 1), notes: []))
            }
            for replica in service.replicas {
                var row = cells(service.name, replica)
                if traffic {
                    row.append(replica.inFlight.map { String($0) } ?? "-")
                    row.append(
                        replica.requestRate.map { rate in rate < 10 ? String(format1(rate)) : String(Int(rate)) } ?? "-"
                    )
                }
                if usage { row += usageCells(replica) }
                rows.append((cells: row, notes: note(replica, service: service.name).map { [$0] } ?? []))
            }
            // A rollout in progress (or rolled back) is said under the service's last row.
            if let rollout = service.rollout, !rows.isEmpty {
                rows[rows.count - 1].notes.append("rollout: \(rollout)")
            }
            if let schedule = service.schedule, !rows.isEmpty {
                rows[rows.count - 1].notes.append(scheduleNote(schedule))
            }
        }
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.cells.enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var output = line(headers, widths: widths)
        for row in rows {
            output += line(row.cells, widths: widths)
            for note in row.notes {
                output += "    \(TerminalText.visible(note))\n"
            }
        }
        for problem in status.problems ?? [] {
            output += "problem: \(TerminalText.visible(problem))\n"
        }
        return output
    }

    static func cells(_ service: String, _ replica: ReplicaStatus) -> [String] {
        [
            service,
            String(replica.index),
            replica.pid.map { String($0) } ?? "-",
            replica.port.map { String($0) } ?? "-",
            replica.state.rawValue,
            replica.ready ? "yes" : "no",
            String(replica.restarts),
            replica.uptimeSeconds.map(formatUptime) ?? "-",
        ]
    }

    /// CPU ("12.5%") and memory ("41.2M", with "/512M" when limited) of a replica; "-" without a sample.
    static func usageCells(_ replica: ReplicaStatus) -> [String] {
        let cpu = replica.cpuPercent.map { format1($0) + "%" } ?? "-"
        guard let memory = replica.memoryBytes else { return [cpu, "-"] }
        return [cpu, formatBytes(memory) + (replica.memoryLimitBytes.map { "/" + formatBytes($0) } ?? "")]
    }

    /// "812K", "41.2M", "1.5G" (powers of 1024, as `limits:` reads them).
    public static func formatBytes(_ bytes: Int) -> String {
        let units: [(String, Double)] = [("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024)]
        for (suffix, factor) in units where Double(bytes) >= factor {
            let value = Double(bytes) / factor
            let text = value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : format1(value)
            return text + suffix
        }
        return "\(bytes)B"
    }

    /// The line under a failed or backing-off replica: why, and how its process last ended.
    static func note(_ replica: ReplicaStatus, service: String) -> String? {
        if replica.held == true {
            return "stopped on its own: stays stopped until `berth start \(service).\(replica.index)`"
        }
        if let ejected = replica.ejectedSeconds {
            return "ejected by the gateway after failed requests in a row; back in rotation in \(format1(ejected))s"
        }
        guard replica.state == .failed || replica.state == .backoff else { return nil }
        // The daemon's reason often quotes the last exit already; say it once.
        let lastExit = replica.lastExit.flatMap { exit in replica.reason?.contains(exit) == true ? nil : exit }
        let parts = [replica.reason.map { "reason: \($0)" }, lastExit.map { "last exit: \($0)" }].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func line(_ cells: [String], widths: [Int]) -> String {
        var text = ""
        for (column, cell) in cells.enumerated() {
            let isLast = column == cells.count - 1
            text += isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
        }
        return text + "\n"
    }

    static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// "5s", "3m12s", "2h03m", "4d07h": the two most significant units, the second zero-padded.
    public static func formatUptime(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(pad(total % 60))s"
        case ..<86_400: return "\(total / 3600)h\(pad(total % 3600 / 60))m"
        default: return "\(total / 86_400)d\(pad(total % 86_400 / 3600))h"
        }
    }
}
