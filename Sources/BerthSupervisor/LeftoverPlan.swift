/// Which processes and process groups a restarted daemon kills as its killed predecessor's leftovers, decided from
/// what /proc says. `state.json` is only a hint: a process is killed only if it still carries the old instance's
/// mark (`BERTH_INSTANCE` in its environment), still has the recorded start time when the record names it, and runs
/// as us (unless we are root, whose `user:` replicas run as others). Pid 1, group 1 (`kill(-1)` is everyone) and our
/// own process and group are never targets. Pure, so that the dangerous records are tested without a signal sent.
struct LeftoverPlan: Equatable, Sendable {
    /// What /proc says about one pid.
    struct Facts: Equatable, Sendable {
        var startTime: UInt64?
        var group: Int32?
        var uid: UInt32?
        /// `BERTH_INSTANCE=<the record's instance id>` is in its environment.
        var marked: Bool
    }

    /// Who we are, so that we never signal ourselves.
    struct Own: Equatable, Sendable {
        var uid: UInt32
        var pid: Int32
        var group: Int32
    }

    enum Target: Hashable, Comparable, Sendable {
        case process(Int32)
        case group(Int32)
    }

    var targets: Set<Target> = []
    /// Pids named by the record or found marked that are left alone, with why (for the log).
    var spared: [Int32: String] = [:]

    /// The instance id of a record written by berthd (a UUID); anything else is not searched for in /proc.
    static func isPlausibleInstanceID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || $0 == UInt8(ascii: "-") }
    }

    init(record: DaemonRecord, markedPIDs: [Int32], own: Own, facts: (Int32) -> Facts?) {
        guard Self.isPlausibleInstanceID(record.instanceID) else {
            for process in record.processes { spared[process.pid] = "the record's instance id is malformed" }
            return
        }
        for process in record.processes {
            consider(process.pid, recordedStart: process.startTime, requireStart: true, own: own, facts: facts)
        }
        for pid in markedPIDs {
            consider(pid, recordedStart: nil, requireStart: false, own: own, facts: facts)
        }
    }

    init() {}

    private mutating func consider(
        _ pid: Int32, recordedStart: UInt64?, requireStart: Bool, own: Own, facts: (Int32) -> Facts?
    ) {
        guard pid > 1 else {
            spared[pid] = "pid \(pid) is never a replica"
            return
        }
        guard pid != own.pid else {
            spared[pid] = "it is this daemon"
            return
        }
        guard let facts = facts(pid) else { return }  // gone already
        if requireStart {
            guard let recordedStart, facts.startTime == recordedStart else {
                spared[pid] = "its start time differs from the record: another process has the pid now"
                return
            }
        }
        guard facts.marked else {
            spared[pid] = "it does not carry the previous daemon's BERTH_INSTANCE mark"
            return
        }
        guard own.uid == 0 || facts.uid == own.uid else {
            spared[pid] = "it runs as uid \(facts.uid.map(String.init) ?? "?"), not as us"
            return
        }
        spared[pid] = nil
        targets.insert(.process(pid))
        if let group = facts.group, group > 1, group != own.group {
            targets.insert(.group(group))
        }
    }
}
