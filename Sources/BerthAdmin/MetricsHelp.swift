/// The `# HELP` line of every series family berthd exports (docs/metrics.md says the same in its table).
///
/// swift-metrics has no place for a description, and swift-prometheus' factory registers every family with none, so
/// its output had `# TYPE` lines only (audit5); Prometheus' text format wants `# HELP` and `# TYPE` per family.
/// Rather than register each family twice (the registry traps when one name gets two help texts), the exposition is
/// annotated as it is served: one pass that writes each family's help before its `# TYPE` line.
public enum MetricsHelp {
    /// By family name (a histogram's family is its base name, without `_bucket`, `_sum`, `_count`).
    public static let texts: [String: String] = [
        "berth_replicas": "Replicas of the service in each state (every state written, zeros included).",
        "berth_replicas_ready": "Replicas of the service passing their readiness check.",
        "berth_restarts_total": "Spawns after a replica's first one (crash, failed liveness check, berth restart).",
        "berth_exits_total": "Replica processes that ended, by cause.",
        "berth_replica_cpu_seconds_total": "CPU time (user + system) of the replica's processes, restarts included.",
        "berth_replica_resident_memory_bytes": "Resident memory of the replica's processes.",
        "berth_replica_open_fds": "Open file descriptors of the replica's processes.",
        "berth_replica_threads": "Threads of the replica's processes.",
        "berth_replica_processes": "Processes of the replica (its process group, or its cgroup).",
        "berth_probes_total": "Probe runs, by probe (ready or health) and result.",
        "berth_probe_duration_seconds": "How long each probe took.",
        "berth_gateway_requests_total": "Requests answered by the gateway, by route and status code.",
        "berth_gateway_request_duration_seconds": "From a request's head to the end of its response.",
        "berth_gateway_retries_total": "Extra tries of a request on another replica.",
        "berth_gateway_ejections_total": "Replicas taken out of rotation after consecutive failures.",
        "berth_gateway_client_connections": "Open client connections to the gateway.",
        "berth_gateway_grpc_calls_total": "gRPC calls through the gateway, by route and grpc-status.",
    ]

    /// `exposition` with a `# HELP` line before each `# TYPE` line of a family that has none and whose help is
    /// known. Everything else passes through byte for byte.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        let typePrefix = Array("# TYPE ".utf8)
        let helpPrefix = Array("# HELP ".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(exposition.count + texts.count * 80)
        var helped: Set<ArraySlice<UInt8>> = []
        var start = exposition.startIndex
        while start < exposition.endIndex {
            let end = exposition[start...].firstIndex(of: UInt8(ascii: "\n")) ?? exposition.endIndex
            let line = exposition[start..<end]
            if line.starts(with: helpPrefix), let name = familyName(line.dropFirst(helpPrefix.count)) {
                helped.insert(name)
            } else if line.starts(with: typePrefix), let name = familyName(line.dropFirst(typePrefix.count)),
                !helped.contains(name), let text = texts[String(decoding: name, as: UTF8.self)]
            {
                output += helpPrefix
                output += name
                output.append(UInt8(ascii: " "))
                output += escaped(text)
                output.append(UInt8(ascii: "\n"))
                helped.insert(name)
            }
            output += line
            if end < exposition.endIndex { output.append(UInt8(ascii: "\n")) }
            start = exposition.index(after: end)
        }
        return output
    }

    private static func familyName(_ rest: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let name = rest.prefix { $0 != UInt8(ascii: " ") }
        return name.isEmpty ? nil : name
    }

    /// The text format's escapes in HELP: a backslash and a line feed.
    private static func escaped(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            default: bytes.append(byte)
            }
        }
        return bytes
    }
}
