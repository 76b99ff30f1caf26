import BerthProcess
import CBerthShim
import Glibc
import Testing

/// A spawn shares the daemon's memory until the child execs (process.c): its cost does not grow with the daemon's
/// memory, where a fork copies the page tables of all of it (issue 16: a kill -9 → replacement within 2 ms).
@Suite("Spawning copies none of the daemon's memory")
struct CloneSpawnTests {
    /// With 512 MB touched in this process, a whole `spawn` (resolving the program, pipes, pidfd, the clone) costs
    /// well under half of a bare fork of the same process, measured side by side (medians, so that a loaded machine
    /// distorts both alike). With a fork inside `spawn`, it costs more than the bare fork.
    @Test func aSpawnCostsLessThanAForkOfABigProcess() async throws {
        let size = 512 << 20
        let memory = try #require(
            mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "mmap")
        #expect(memory != MAP_FAILED)
        defer { munmap(memory, size) }
        memset(memory, 1, size)

        var spawns: [Duration] = []
        var forks: [Duration] = []
        var recorders: [Recorder] = []
        for _ in 0..<9 {
            let recorder = Recorder()
            let started = ContinuousClock.now
            _ = try launcher.spawn(
                request(["/bin/true"]), onOutput: { recorder.record($0) }, onExit: { recorder.exited($0) })
            spawns.append(ContinuousClock.now - started)
            recorders.append(recorder)
            let forked = ContinuousClock.now
            // The shared reaper reaps it (as an unknown child).
            let pid = berth_fork_sleeper(0, 0)
            forks.append(ContinuousClock.now - forked)
            try #require(pid > 0)
        }
        for recorder in recorders {
            #expect(try await recorder.waitForExit().succeeded)
        }
        let spawn = spawns.sorted()[4]
        let fork = forks.sorted()[4]
        #expect(spawn * 2 < fork, "spawn \(spawn), fork \(fork) (medians of 9)")
    }

    /// The child reads its own copy of the arguments and environment: the caller's buffers are gone by the time a
    /// busy machine schedules it. Many spawns back to back, each child printing what it was given.
    @Test func childrenReadTheirOwnCopyOfTheRequest() async throws {
        var recorders: [(Int, Recorder)] = []
        for index in 0..<40 {
            let recorder = Recorder()
            var environment = baseEnvironment
            environment["INDEX"] = String(repeating: "\(index)", count: 50)
            _ = try launcher.spawn(
                request(["/bin/sh", "-c", "echo \"$0 $INDEX\"", "child\(index)"], environment: environment),
                onOutput: { recorder.record($0) }, onExit: { recorder.exited($0) })
            recorders.append((index, recorder))
        }
        for (index, recorder) in recorders {
            #expect(try await recorder.waitForExit().succeeded)
            #expect(recorder.texts == ["child\(index) " + String(repeating: "\(index)", count: 50)])
        }
    }
}
