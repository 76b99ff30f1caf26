public import BerthControlProtocol

/// `berth top`'s screen: running replicas sorted by CPU (or memory), with the project's totals on top.
///
/// A pure function of the status so that the layout and order are tested as text.
public enum TopView {
    public enum Order: String, CaseIterable, Sendable {
        case cpu, mem
    }

    static let headers = ["SERVICE", "REPLICA", "PID", "CPU", "MEM", "LIMIT", "FDS", "THREADS", "PROCS", "STATE"]

    public static func render(_ status: StatusResponse, order: Order = .cpu, rows limit: Int? = nil) -> String {
        var rows: [(service: String, replica: ReplicaStatus)] = []
        for service in status.services {
            for replica in service.replicas where replica.pid != nil {
                rows.append((service.name, replica))
            }
        }
        rows.sort { left, right in
            let (a, b) =
                switch order {
                case .cpu: (left.replica.cpuPercent ?? -1, right.replica.cpuPercent ?? -1)
                case .mem: (Double(left.replica.memoryBytes ?? -1), Double(right.replica.memoryBytes ?? -1))
                }
            if a != b { return a > b }
            return (left.service, left.replica.index) < (right.service, right.replica.index)
        }
        let cpu = rows.compactMap(\.replica.cpuPercent).reduce(0, +)
        let memory = rows.compactMap(\.replica.memoryBytes).reduce(0, +)
        let totals = "CPU \(StatusTable.format1(cpu))% of a core, memory \(StatusTable.formatBytes(memory))"
        var output = "\(status.project): \(rows.count) running, \(totals) (sorted by \(order.rawValue); q quits)\n\n"
        let cells = rows.prefix(limit ?? rows.count).map { service, replica -> [String] in
            let cpu: String = replica.cpuPercent.map { StatusTable.format1($0) + "%" } ?? "-"
            return [
                service, String(replica.index), replica.pid.map { String($0) } ?? "-",
                cpu,
                replica.memoryBytes.map(StatusTable.formatBytes) ?? "-",
                limits(replica),
                replica.openFiles.map { String($0) } ?? "-",
                replica.threads.map { String($0) } ?? "-",
                replica.processes.map { String($0) } ?? "-",
                replica.state.rawValue,
            ]
        }
        var widths = headers.map(\.count)
        for row in cells {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        output += StatusTable.line(headers, widths: widths)
        for row in cells { output += StatusTable.line(row, widths: widths) }
        return output
    }

    /// "512M, 0.5 cpu", or "-" without limits.
    static func limits(_ replica: ReplicaStatus) -> String {
        let parts = [
            replica.memoryLimitBytes.map(StatusTable.formatBytes),
            replica.cpuLimit.map { "\(StatusTable.format2($0)) cpu" },
        ].compactMap { $0 }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}

extension StatusTable {
    /// "0.5", "0.25", "2": at most two decimals, no trailing zeros.
    static func format2(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        var text = "\(hundredths / 100)"
        let fraction = hundredths % 100
        guard fraction != 0 else { return text }
        if fraction % 10 == 0 { return text + ".\(fraction / 10)" }
        return text + (fraction < 10 ? ".0\(fraction)" : ".\(fraction)")
    }
}
