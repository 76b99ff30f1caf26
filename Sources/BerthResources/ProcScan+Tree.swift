#if canImport(Glibc)
    import Glibc
#endif

/// Reading only the processes below the daemon instead of every process of the machine: a replica's process group
/// holds only its descendants, and those its descendants left behind (reparented to the daemon, the child subreaper),
/// so the daemon's own process tree holds every process a sample sums. On a machine with many other processes this
/// reads a fraction of the stat files (issue 16's idle CPU target).
extension ProcScan {
    /// The stat of every process below `ancestor` (not `ancestor` itself), found through the kernel's
    /// `/proc/PID/task/TID/children` lists, or nil when the kernel has no such lists (`CONFIG_PROC_CHILDREN`): then
    /// the caller reads the whole table (`processes()`).
    public static func descendants(of ancestor: Int32, root: String = "/proc") -> [ProcStat]? {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        var reader = ProcReader(rootFD: rootFD, root: root)
        guard var pending = reader.children(of: ancestor, threads: nil) else { return nil }
        var result: [ProcStat] = []
        var seen: Set<Int32> = [ancestor]
        while let pid = pending.popLast() {
            // A pid reused while the tree is read could otherwise be visited twice.
            guard seen.insert(pid).inserted, let stat = reader.stat(pid) else { continue }
            result.append(stat)
            pending.append(contentsOf: reader.children(of: pid, threads: stat.threads) ?? [])
        }
        return result
    }

    /// The children of `pid` (of each of its threads), or nil when the kernel's lists cannot be read.
    public static func children(of pid: Int32, root: String = "/proc") -> [Int32]? {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        var reader = ProcReader(rootFD: rootFD, root: root)
        return reader.children(of: pid, threads: nil)
    }

    /// The stat of one process, or nil when it is gone.
    public static func statLine(of pid: Int32, root: String = "/proc") -> ProcStat? {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        var reader = ProcReader(rootFD: rootFD, root: root)
        return reader.stat(pid)
    }
}

/// Small reads relative to an open `/proc`, with one reused buffer.
struct ProcReader {
    let rootFD: Int32
    let root: String
    var buffer = [UInt8](repeating: 0, count: 4096)

    init(rootFD: Int32, root: String) {
        self.rootFD = rootFD
        self.root = root
    }

    mutating func stat(_ pid: Int32) -> ProcStat? {
        guard let count = read("\(pid)/stat"), count > 0 else { return nil }
        return ProcStat.parse(bytes: buffer[0..<count])
    }

    /// The children of every thread of `pid` (a child belongs to the thread that forked it). A single-threaded
    /// process has one list, read without listing its tasks; `threads` nil means unknown. nil when the list cannot
    /// be read (no such process, or a kernel without the lists).
    mutating func children(of pid: Int32, threads: Int?) -> [Int32]? {
        if threads == 1 { return childList("\(pid)/task/\(pid)/children") }
        var tasks: [String] = []
        ProcScan.forEachNumericEntry("\(root)/\(pid)/task") { tasks.append(String(decoding: $0, as: UTF8.self)) }
        guard !tasks.isEmpty else { return nil }
        var found: [Int32]? = nil
        for task in tasks {
            // A thread that ended after the listing has no list; its children moved to another thread.
            guard let list = childList("\(pid)/task/\(task)/children") else { continue }
            found = (found ?? []) + list
        }
        return found
    }

    /// The pids of one `children` file (space-separated).
    private mutating func childList(_ path: String) -> [Int32]? {
        var pids: [Int32] = []
        var current: Int32 = 0
        var inNumber = false
        // The file can outgrow the buffer (thousands of children): read all of it.
        guard
            readAll(
                path,
                { bytes in
                    for byte in bytes {
                        if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                            current = current &* 10 &+ Int32(byte - UInt8(ascii: "0"))
                            inNumber = true
                        } else if inNumber {
                            pids.append(current)
                            current = 0
                            inNumber = false
                        }
                    }
                })
        else { return nil }
        if inNumber { pids.append(current) }
        return pids
    }

    /// Reads a file relative to /proc into the buffer (its first 4 kB); nil when it cannot be opened.
    private mutating func read(_ path: String) -> Int? {
        let fd = openat(rootFD, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count < 0 ? nil : count
    }

    /// Reads a whole file relative to /proc, passing each chunk to `body`; false when it cannot be opened or read.
    private mutating func readAll(_ path: String, _ body: (ArraySlice<UInt8>) -> Void) -> Bool {
        let fd = openat(rootFD, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return false }
            if count == 0 { return true }
            body(buffer[0..<count])
        }
    }
}
