import BerthSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Why a replica's cgroup could not be made: the file operation that failed and errno's message.
public struct CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var message: String

    public init(operation: String, path: String, message: String) {
        self.operation = operation
        self.path = path
        self.message = message
    }

    public var description: String { "cannot \(operation) \(path): \(message)" }
}

/// The thin I/O layer of cgroups: carries out a `CgroupPlan`, reads its counters, removes its directories.
public enum CgroupFiles {
    /// Carries out every step in order; the first failure stops and is thrown.
    public static func apply(_ plan: CgroupPlan) throws(CgroupError) {
        for step in plan.steps {
            switch step {
            case .makeDirectory(let path):
                if mkdir(path, 0o755) != 0, errno != EEXIST { throw failure("create", path) }
            case .write(let file, let value, let optional):
                if optional, access(file, F_OK) != 0 { continue }
                try write(value, to: file)
            case .enableControllers(let directory, let controllers, let own):
                let value = controllers.map { "+" + $0.rawValue }.joined(separator: " ")
                do {
                    try write(value, to: directory + "/cgroup.subtree_control")
                } catch  where own && error.message == Errno.message(EBUSY) {
                    // berthd's own cgroup holds berthd: move it into a leaf, then enable the controllers.
                    let leaf = directory + "/daemon"
                    if mkdir(leaf, 0o755) != 0, errno != EEXIST { throw failure("create", leaf) }
                    try write(String(getpid()), to: leaf + "/cgroup.procs")
                    try write(value, to: directory + "/cgroup.subtree_control")
                }
            }
        }
    }

    /// The OOM kills counted so far in the plan's memory cgroup (0 when it has none or it cannot be read).
    public static func oomKills(_ plan: CgroupPlan) -> Int {
        guard let file = plan.oomEvents, let text = ProcScan.readText(file) else { return 0 }
        return OOMCounter.kills(text) ?? 0
    }

    /// v1 `memory.failcnt`: how often the memory limit was hit (0 when unknown).
    public static func memoryFailures(_ plan: CgroupPlan) -> Int {
        guard let file = plan.memoryFailures, let text = ProcScan.readText(file) else { return 0 }
        return Int(Substring(text).trimmingSpaces) ?? 0
    }

    /// Removes the replica's directories, and its project's when that was the last; false while a process is
    /// still inside one (EBUSY): try again later.
    @discardableResult
    public static func remove(_ plan: CgroupPlan) -> Bool {
        var removed = true
        for directory in plan.directories {
            if rmdir(directory) != 0 && errno != ENOENT {
                removed = false
            } else if let slash = directory.lastIndex(of: "/") {
                // Fails (ENOTEMPTY, EBUSY) while other replicas of the project have theirs: fine.
                rmdir(String(directory[..<slash]))
            }
        }
        return removed
    }

    /// rmdir of every replica directory under `berth/PROJECT` in each hierarchy of `layout`, except `keeping`
    /// (only empty cgroups can be removed: one that still holds a process stays), then of the project's.
    public static func removeEmptyReplicaDirectories(layout: CgroupLayout, project: String, keeping: Set<String>) {
        for projectDirectory in layout.projectDirectories(project: project) {
            removeEmpty(projectDirectory: projectDirectory, keeping: keeping)
        }
    }

    /// rmdir of the empty replica cgroups in `projectDirectory` (a `<own>/berth/<project>` of a cgroup hierarchy)
    /// except `keeping`, then of the directory itself; only cgroups, where rmdir removes an empty cgroup and refuses
    /// one that holds a process (EBUSY). True when `projectDirectory` no longer exists.
    @discardableResult
    public static func removeEmpty(projectDirectory: String, keeping: Set<String> = []) -> Bool {
        guard isCgroup(projectDirectory) else { return access(projectDirectory, F_OK) != 0 && errno == ENOENT }
        guard let directory = opendir(projectDirectory) else { return false }
        var names: [String] = []
        while let entry = readdir(directory) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names where !keeping.contains("\(projectDirectory)/\(name)") {
            let replica = "\(projectDirectory)/\(name)"
            if isCgroup(replica) { rmdir(replica) }
        }
        return rmdir(projectDirectory) == 0 || errno == ENOENT
    }

    /// Whether `directory` is a cgroup: it has the `cgroup.procs` the kernel puts in every one (v1 and v2). An
    /// ordinary directory holding such a file is not empty, so rmdir could not remove it anyway.
    static func isCgroup(_ directory: String) -> Bool {
        access(directory + "/cgroup.procs", F_OK) == 0
    }

    static func write(_ value: String, to file: String) throws(CgroupError) {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", file) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        do {
            try System.writeAll(fd, bytes)
        } catch {
            throw CgroupError(operation: "write '\(value)' to", path: file, message: error.message)
        }
    }

    static func failure(_ operation: String, _ path: String) -> CgroupError {
        CgroupError(operation: operation, path: path, message: Errno.message(errno))
    }
}
