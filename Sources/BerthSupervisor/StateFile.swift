#if canImport(Glibc)
import Glibc
#endif

import BerthProcess
import Foundation
public import Logging

/// What a daemon records in its state directory about the processes it runs, so that a daemon started after a
/// SIGKILLed one can stop the old generation instead of running a second copy next to it.
struct DaemonRecord: Codable, Equatable, Sendable {
    struct ProcessRecord: Codable, Equatable, Sendable {
        var service: String
        var replica: Int
        var pid: Int32
        /// Clock ticks since boot (field 22 of /proc/PID/stat): tells a recycled pid from ours.
        var startTime: UInt64?
    }

    var instanceID: String
    var daemonPID: Int32
    var processes: [ProcessRecord]

    enum CodingKeys: String, CodingKey {
        case processes
        case instanceID = "instance_id"
        case daemonPID = "daemon_pid"
    }
}

/// Reads and atomically rewrites `state.json`.
struct StateFile: Sendable {
    let path: String

    func read() -> DaemonRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(DaemonRecord.self, from: data)
    }

    func write(_ record: DaemonRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    func remove() {
        unlink(path)
    }
}

/// Stops what a previous, killed daemon of the same project left running.
public enum LeftoverCleaner {
    /// Kills the processes recorded in `stateFile` (when their start time still matches) and every process marked
    /// with the old daemon's instance id, then waits (bounded) until they are gone. Returns the pids it killed.
    @discardableResult
    public static func cleanUp(stateFile path: String, logger: Logger) -> [Int32] {
        let file = StateFile(path: path)
        guard let record = file.read() else { return [] }
        var killed: Set<Int32> = []
        for process in record.processes {
            guard let start = ProcessTable.startTime(of: process.pid), start == process.startTime else { continue }
            kill(-process.pid, SIGKILL)
            kill(process.pid, SIGKILL)
            killed.insert(process.pid)
        }
        for pid in ProcessTable.pids(withEnvironment: "BERTH_INSTANCE", value: record.instanceID) {
            if let group = ProcessTable.processGroup(of: pid), group > 1 { kill(-group, SIGKILL) }
            kill(pid, SIGKILL)
            killed.insert(pid)
        }
        let deadline = ContinuousClock.now + .seconds(3)
        while killed.contains(where: ProcessTable.isAlive), ContinuousClock.now < deadline {
            usleep(5_000)
        }
        if !killed.isEmpty {
            logger.notice(
                "stopped processes left by a previous daemon",
                metadata: ["instance": "\(record.instanceID)", "pids": "\(killed.sorted())"]
            )
        }
        file.remove()
        return killed.sorted()
    }
}
