import BerthProcess
import Glibc
import Synchronization
import Testing

/// A killed child's exit reaches `onExit` from the pump's thread (its pidfd, and the EOF of its pipes), not through
/// SIGCHLD's signal thread and the reaper's queue: two thread wake-ups fewer between kill -9 and the replacement's
/// spawn (issue 16). A fork of another test holding the reaper's lock sends the report to the queue, so under a loaded
/// CI machine (the test targets' suites run in parallel) the pump may win only some of the races: at least one of
/// the kills must be heard there (none were before: the old code fails this; a clean-clone CI run saw 1 of 5), so
/// rounds go on until one is, up to 40.
@Suite struct ExitWatchTests {
    @Test func aKilledChildsExitIsReportedOnThePumpsThread() async throws {
        var onPump = 0
        var rounds = 0
        while onPump == 0, rounds < 40 {
            rounds += 1
            let threads = Mutex<(output: pthread_t?, exit: pthread_t?)>((nil, nil))
            let pid = try launcher.spawn(
                sh("echo up; exec /bin/sleep 100"),
                onOutput: { _ in threads.withLock { $0.output = pthread_self() } },
                onExit: { _ in threads.withLock { $0.exit = pthread_self() } })
            try await eventually("the child's line") { threads.withLock { $0.output != nil } }
            #expect(launcher.signalGroup(pid, SIGKILL))
            try await eventually("the exit") { threads.withLock { $0.exit != nil } }
            let (output, exit) = threads.withLock { $0 }
            if let output, let exit, pthread_equal(output, exit) != 0 { onPump += 1 }
        }
        #expect(onPump >= 1, "no exit reported on the pump's thread in \(rounds) rounds")
    }

    @Test func aChildWithoutPipesIsReapedThroughItsPidfd() async throws {
        // No output captured: only the pidfd (or SIGCHLD) can tell; the exit must still come, once.
        let (pid, recorder) = try start(request(["/bin/sleep", "100"], captureOutput: false))
        #expect(launcher.signalGroup(pid, SIGKILL))
        #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
        try await Task.sleep(for: .milliseconds(100))
        #expect(recorder.exits.count == 1)
        #expect(ProcessTable.state(of: pid) == nil || ProcessTable.parent(of: pid) != getpid())
    }

    /// `onDeath` (what starts a prepared replacement) runs on the pump as soon as the pidfd says the child exited:
    /// with its exit status, before the child is reaped and before `onExit`. Where the reaper's lock is busy with
    /// another test's fork it is skipped (the exit still comes): at least one round of up to 40 must see it, and
    /// every one that runs must be early and right.
    @Test func onDeathComesBeforeTheReapWithTheStatus() async throws {
        var early = 0
        // Eight rounds, both kinds, then more until one runs early (up to 40).
        for round in 0..<40 where round < 8 || early == 0 {
            struct Seen {
                var up = false
                var death: ExitStatus?
                var zombieAtDeath = false
                var exit: ExitStatus?
                var deathBeforeExit = false
            }
            let seen = Mutex(Seen())
            let child = Atomic<Int32>(0)
            // Even rounds are killed, odd ones exit with a code of their own after their line.
            var request = sh(round % 2 == 0 ? "echo up; exec /bin/sleep 100" : "/bin/sleep 0.2; exit 7")
            request.onDeath = { status in
                let zombie = ProcessTable.state(of: child.load(ordering: .acquiring)) == "Z"
                seen.withLock { seen in
                    seen.death = status
                    seen.zombieAtDeath = zombie
                    seen.deathBeforeExit = seen.exit == nil
                }
                return false
            }
            let pid = try launcher.spawn(
                request, onOutput: { _ in seen.withLock { $0.up = true } },
                onExit: { status in seen.withLock { $0.exit = status } })
            child.store(pid, ordering: .releasing)
            if round % 2 == 0 {
                try await eventually("the child's line") { seen.withLock { $0.up } }
                #expect(launcher.signalGroup(pid, SIGKILL))
            } else {
                // The shell exits 7 on its own, 0.2 s after its exec.
            }
            try await eventually("the exit") { seen.withLock { $0.exit != nil } }
            let result = seen.withLock { $0 }
            let expected: ExitStatus = round % 2 == 0 ? .signaled(SIGKILL, coreDumped: false) : .exited(7)
            #expect(result.exit == expected)
            guard let death = result.death else { continue }
            #expect(death == expected)
            #expect(result.zombieAtDeath, "onDeath ran before the reap")
            #expect(result.deathBeforeExit)
            early += 1
        }
        #expect(early >= 1, "onDeath ran early in none of 40 rounds")
    }

    @Test func aChildWhoseExecFailedHasNoOnDeath() async throws {
        let directory = makeUnrunnableScript()
        defer { removeUnrunnableScript(directory) }
        let deaths = Atomic(0)
        var request = request([directory + "/script"])
        request.onDeath = { _ in
            deaths.add(1, ordering: .relaxed)
            return false
        }
        let recorder = Recorder()
        _ = try launcher.spawn(request, onOutput: recorder.record, onExit: recorder.exited)
        guard case .execFailed = try await recorder.waitForExit() else {
            Issue.record("expected a failed exec")
            return
        }
        #expect(deaths.load(ordering: .relaxed) == 0)
    }

    /// `onExec` tells the exec's outcome once, before `onExit`: true for a program that runs, false for one whose
    /// exec failed (a restart holds the news of the exit it replaces until then).
    @Test func onExecTellsTheOutcomeBeforeTheExit() async throws {
        let directory = makeUnrunnableScript()
        defer { removeUnrunnableScript(directory) }
        for (arguments, execs) in [(["/bin/sh", "-c", "exit 3"], true), ([directory + "/script"], false)] {
            let seen = Mutex<(outcomes: [Bool], exitSeen: Bool, beforeExit: Bool)>(([], false, true))
            var request = request(arguments)
            request.onExec = { outcome in
                seen.withLock {
                    $0.outcomes.append(outcome)
                    if $0.exitSeen { $0.beforeExit = false }
                }
            }
            let recorder = Recorder()
            _ = try launcher.spawn(
                request, onOutput: recorder.record,
                onExit: { status in
                    seen.withLock { $0.exitSeen = true }
                    recorder.exited(status)
                })
            let status = try await recorder.waitForExit()
            if execs {
                #expect(status == .exited(3))
            } else if case .execFailed = status {
            } else {
                Issue.record("expected a failed exec, got \(status)")
            }
            let (outcomes, _, beforeExit) = seen.withLock { $0 }
            #expect(outcomes == [execs])
            #expect(beforeExit, "onExec came before onExit")
        }
    }

    /// A replacement started from `onDeath` (it returns true) execs before the old child is reaped and reported: the
    /// pump sleeps right after the clone instead of reaping. The old child's exit still comes, once. Another test's
    /// child exiting meanwhile (the suites run in parallel) drains every zombie, ours included, and a spawn holding the
    /// reaper's lock makes the pump miss `onDeath`: so at least one of six rounds must show the order (the old code
    /// reported the exit right after the clone, before the replacement's exec, in every round). Rounds go on until one
    /// shows it, up to 40: a loaded CI machine saw 0 of a fixed 6.
    @Test func theReapWaitsForTheReplacementStartedAtTheDeath() async throws {
        struct Order {
            var events: [String] = []
            var replacement: Int32 = 0
        }
        var inOrder = 0
        var rounds = 0
        while inOrder == 0, rounds < 40 {
            rounds += 1
            let order = Mutex(Order())
            var request = request(["/bin/sleep", "100"])
            request.onDeath = { _ in
                var next = SpawnRequest(arguments: ["/bin/sleep", "100"], environment: [:], workingDirectory: "")
                next.onExec = { _ in order.withLock { $0.events.append("replacement exec'd") } }
                guard let pid = try? launcher.spawn(next, onOutput: { _ in }, onExit: { _ in }) else { return false }
                order.withLock { $0.replacement = pid }
                return true
            }
            let recorder = Recorder()
            let pid = try launcher.spawn(
                request, onOutput: recorder.record,
                onExit: { status in
                    order.withLock { $0.events.append("old exit") }
                    recorder.exited(status)
                })
            try await Task.sleep(for: .milliseconds(50))
            #expect(launcher.signalGroup(pid, SIGKILL))
            #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
            let (events, replacement) = order.withLock { ($0.events, $0.replacement) }
            if replacement > 0 { _ = launcher.signalGroup(replacement, SIGKILL) }
            if replacement > 0, events == ["replacement exec'd", "old exit"] { inOrder += 1 }
            #expect(recorder.exits.count == 1)
        }
        #expect(inOrder >= 1, "the replacement exec'd before the old exit was reported in none of \(rounds) rounds")
    }

    /// An `onDeath` that says it started something whose exec report never comes still has its child reaped and
    /// reported (the pump's 50 ms bound).
    @Test func aDeferredReapIsBounded() async throws {
        var request = request(["/bin/sleep", "100"])
        request.onDeath = { _ in true }
        let recorder = Recorder()
        let pid = try launcher.spawn(request, onOutput: recorder.record, onExit: recorder.exited)
        try await Task.sleep(for: .milliseconds(50))
        #expect(launcher.signalGroup(pid, SIGKILL))
        #expect(try await recorder.waitForExit() == .signaled(SIGKILL, coreDumped: false))
        #expect(ProcessTable.state(of: pid) == nil || ProcessTable.parent(of: pid) != getpid())
    }

    /// No signal source: SIGCHLD stays at its default, so an exit wakes only the pump (the pidfd), and nothing
    /// inherited (an ignored SIGCHLD would have the kernel reap our children) is left.
    @Test func sigchldIsLeftAtItsDefault() throws {
        _ = try ProcessLauncher()
        var action = sigaction()
        #expect(sigaction(SIGCHLD, nil, &action) == 0)
        #expect(action.__sigaction_handler.sa_handler == nil)  // SIG_DFL
    }

    /// The pump leaves SIGCHLD unblocked (at its default disposition): the exit of a replacement it cloned is then
    /// dropped by the kernel as it is raised instead of waking the main thread, which sits in libdispatch's
    /// `sigsuspend` with every signal unblocked.
    @Test func thePumpThreadLeavesSIGCHLDUnblocked() throws {
        _ = try ProcessLauncher()
        let tasks = try #require(opendir("/proc/self/task"))
        defer { closedir(tasks) }
        var pumpMask: UInt64?
        while let entry = readdir(tasks) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard Int(tid) != nil, readText("/proc/self/task/\(tid)/comm") == "berth-pump\n",
                let status = readText("/proc/self/task/\(tid)/status"),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") })
            else { continue }
            pumpMask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        let mask = try #require(pumpMask, "a thread named berth-pump")
        #expect(mask & (1 << (UInt64(SIGCHLD) - 1)) == 0)
    }
}
