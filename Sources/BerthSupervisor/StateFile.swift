import BerthProcess
import BerthResources
import BerthSystem
import Glibc
public import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

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
    /// The project's cgroup directories (`<own>/berth/<project>` per hierarchy), removed by `berthd --clean-up` once
    /// their processes are stopped (audit12); absent from records of older daemons and of daemons without cgroups.
    var cgroups: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case processes
        case instanceID = "instance_id"
        case daemonPID = "daemon_pid"
        case cgroups
    }
}

/// A state file or directory that cannot be trusted: another user could have written it.
public struct StateFileError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// Reads and atomically rewrites `state.json`.
struct StateFile: Sendable {
    let path: String

    /// The record, nil when there is none (or it does not decode). Refuses a symbolic link, and a file that is not
    /// ours or that others may write: a forged record must not make the daemon signal someone else's processes.
    func read() throws(StateFileError) -> DaemonRecord? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP { throw StateFileError(description: "refusing \(path): it is a symbolic link") }
            throw StateFileError(description: "cannot open \(path): \(Errno.message(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw StateFileError(description: "cannot stat \(path): \(Errno.message(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw StateFileError(description: "refusing \(path): it is not a regular file")
        }
        guard info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            throw StateFileError(
                description: "refusing \(path): it is owned by uid \(info.st_uid) with mode "
                    + "\(String(info.st_mode & 0o777, radix: 8)); it must be ours (uid \(geteuid())) and writable by "
                    + "us alone, or another user could make berthd signal any process")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= 16 << 20 {
            guard let got = try? System.read(fd, into: &chunk), got > 0 else { break }
            bytes += chunk[0..<got]
        }
        return try? JSONDecoder().decode(DaemonRecord.self, from: Data(bytes))
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
            return WriteError(description: "\(what) \(temporary): \(Errno.message(code))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot create", errno) }
        do {
            try System.writeAll(fd, [UInt8](data))
        } catch {
            close(fd)
            throw failure("cannot write", error.code)
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
    /// Kills what `stateFile` records and every process marked with the old daemon's instance id, as far as
    /// `LeftoverPlan` allows, then waits (bounded) until they are gone. Returns the pids it killed.
    ///
    /// Throws when the file cannot be trusted (a symbolic link, not ours, writable by others).
    @discardableResult
    public static func cleanUp(stateFile path: String, logger: Logger) throws(StateFileError) -> [Int32] {
        let file = StateFile(path: path)
        guard let record = try file.read() else { return [] }
        let marked =
            LeftoverPlan.isPlausibleInstanceID(record.instanceID)
            ? ProcessTable.pids(withEnvironment: "BERTH_INSTANCE", value: record.instanceID) : []
        let own = LeftoverPlan.Own(uid: geteuid(), pid: getpid(), group: getpgrp())
        let plan = LeftoverPlan(record: record, markedPIDs: marked, own: own) { pid in
            guard ProcessTable.isAlive(pid) else { return nil }
            return LeftoverPlan.Facts(
                startTime: ProcessTable.startTime(of: pid), group: ProcessTable.processGroup(of: pid),
                uid: ProcessTable.owner(of: pid),
                marked: ProcessTable.hasEnvironment(pid, key: "BERTH_INSTANCE", value: record.instanceID))
        }
        var killed: [Int32] = []
        for target in plan.targets.sorted() {
            switch target {
            case .group(let group):
                precondition(group > 1)
                kill(-group, SIGKILL)
            case .process(let pid):
                precondition(pid > 1)
                kill(pid, SIGKILL)
                killed.append(pid)
            }
        }
        for (pid, reason) in plan.spared.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "a leftover of the previous daemon, pid \(pid), is left alone: \(reason)",
                metadata: ["event": "leftover_spared", "pid": "\(pid)"])
        }
        let deadline = ContinuousClock.now + .seconds(3)
        while killed.contains(where: ProcessTable.isAlive), ContinuousClock.now < deadline {
            usleep(5_000)
        }
        removeCgroups(record.cgroups ?? [], logger: logger)
        if !killed.isEmpty {
            logger.notice(
                "stopped processes left by a previous daemon",
                metadata: ["instance": "\(record.instanceID)", "pids": "\(killed)"]
            )
        }
        file.remove()
        return killed
    }

    /// Removes the killed daemon's empty cgroups, as its clean stop would have (audit12: `berthd --clean-up` left
    /// them to the next `berth up`). Only `.../berth/PROJECT` directories on a cgroup file system are touched, and
    /// rmdir takes only empty cgroups: one still holding a process (spared above, or not dead yet) stays.
    static func removeCgroups(_ directories: [String], logger: Logger) {
        let projects = directories.filter { path in
            let parts = path.split(separator: "/")
            return path.hasPrefix("/") && parts.count >= 2 && parts[parts.count - 2] == "berth"
                && !parts.contains("..") && !parts.contains(".")
        }
        var left = projects
        // A killed process leaves its cgroup a moment after it is gone from /proc (its parent reaps it): retry.
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            left.removeAll { CgroupFiles.removeEmpty(projectDirectory: $0) }
            if left.isEmpty || ContinuousClock.now >= deadline { break }
            usleep(20_000)
        }
        for directory in left {
            logger.warning(
                "the cgroup \(directory) of the previous daemon is left: it still holds a process, or it is not a cgroup",
                metadata: ["event": "leftover_cgroup", "path": "\(directory)"])
        }
    }
}
