import BerthResources
import Glibc
import Testing

/// The sampler reads only the processes below the daemon: a real child's whole group is found through the kernel's
/// children lists, and nothing outside the tree is read.
@Suite struct ProcTreeTests {
    @Test func findsAChildsWholeGroupAndNothingOutsideTheTree() throws {
        // sh in its own process group, with two children of its own.
        let shell = try spawnGroupLeader(["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"])
        defer {
            kill(-shell, SIGKILL)
            var status: Int32 = 0
            waitpid(shell, &status, 0)
        }
        var group: [ProcStat] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            group = (ProcScan.descendants(of: getpid()) ?? []).filter { $0.pgid == shell }
            if group.count == 3 { break }
            usleep(10_000)
        }
        #expect(group.count == 3)
        #expect(group.contains { $0.pid == shell })
        let tree = try #require(ProcScan.descendants(of: getpid()))
        #expect(!tree.contains { $0.pid == 1 || $0.pid == getpid() })
        // What the whole table says about the group, the tree says too.
        let table = ProcScan.processes().filter { $0.pgid == shell }.map(\.pid).sorted()
        #expect(table == group.map(\.pid).sorted())
    }

    @Test func oneProcessAndMissingOnes() throws {
        #expect(ProcScan.statLine(of: getpid())?.pid == getpid())
        #expect(ProcScan.statLine(of: Int32.max) == nil)
        #expect(ProcScan.descendants(of: getpid(), root: "/nonexistent") == nil)
    }

    /// posix_spawn with a process group of its own (pgid == pid).
    private func spawnGroupLeader(_ arguments: [String]) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: Int32 = 0
        let code = posix_spawn(&pid, arguments[0], nil, &attributes, &argv, environ)
        try #require(code == 0)
        return pid
    }
}
