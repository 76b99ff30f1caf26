import BerthResources
import Glibc
import Testing

/// The sampler's cheap check between full passes: a process's runtime (`/proc/PID/schedstat`) moves whenever it runs
/// and stays put while it sleeps, so "nothing ran" can stand in for a pass over idle replicas.
@Suite struct RuntimeCheckTests {
    @Test func aSleepingChildsRuntimeStaysPutAndABusyOnesMoves() throws {
        var sleeper: pid_t = 0
        var busy: pid_t = 0
        let sleepArgs = ["/bin/sleep", "30"]
        let busyArgs = ["/bin/sh", "-c", "while :; do :; done"]
        #expect(spawn(sleepArgs, &sleeper) == 0 && spawn(busyArgs, &busy) == 0)
        defer {
            for pid in [sleeper, busy] where pid > 0 {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
        }
        usleep(100_000)  // past sleep's start-up, which runs
        let first = try #require(ProcScan.runtimes(of: [sleeper, busy]))
        usleep(100_000)
        let second = try #require(ProcScan.runtimes(of: [sleeper, busy]))
        #expect(first[sleeper] == second[sleeper], "a sleeping process did not run")
        #expect(first[busy]! < second[busy]!, "a busy process ran")
        #expect(!UsageSchedule.nothingRan(baseline: first, now: second))
        let sleeping = [sleeper: first[sleeper]!]
        #expect(UsageSchedule.nothingRan(baseline: sleeping, now: ProcScan.runtimes(of: [sleeper])))
    }

    @Test func aGoneProcessOrNoBaselineMeansAFullPass() {
        #expect(ProcScan.runtimes(of: [Int32.max]) == nil)
        #expect(!UsageSchedule.nothingRan(baseline: nil, now: [1: 5]))
        #expect(!UsageSchedule.nothingRan(baseline: [1: 5], now: nil))
        #expect(!UsageSchedule.nothingRan(baseline: [:], now: [:]))
        #expect(!UsageSchedule.nothingRan(baseline: [1: 5, 2: 7], now: [1: 5]))
        #expect(UsageSchedule.nothingRan(baseline: [1: 5, 2: 7], now: [2: 7, 1: 5]))
    }

    private func spawn(_ arguments: [String], _ pid: inout pid_t) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
    }
}
