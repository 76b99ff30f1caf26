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

    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes a temporary file and renames it over the old one: a failed write (a full disk) leaves the previous
    /// record whole, and no partial temporary file behind.
    func write(_ record: DaemonRecord) throws(WriteError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(record) else { throw WriteError(description: "cannot encode the record") }
        let temporary = path + ".tmp"
        func failure(_ what: String, _ code: Int32) -> WriteError {
            unlink(temporary)
            return WriteError(description: "\(what) \(temporary): \(String(cString: strerror(code)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create", errno) }
        let bytes = [UInt8](data)
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if wrote < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw failure("cannot write", code)
            }
            offset += wrote
        }
        // The data must be on disk before the rename makes it the record (a crash must not leave an empty file).
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw failure("cannot sync", code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename", errno) }
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
