import BerthSystem
import CBerthShim
import Dispatch
import Glibc
import Synchronization

/// The one place in the process that calls `waitpid`: drains of `waitpid(-1, WNOHANG)`, on the output pump's thread
/// when a child's pidfd says it exited (`ExitWatch`), and once a second there while any child or adopted orphan may
/// be left (orphans have no pidfd of ours). SIGCHLD is left at its default (ignored, children still wait to be
/// reaped): a signal source would wake the main thread, libdispatch's signal thread and a queue worker at every exit,
/// three threads competing for 2 cores with the pump that restarts the replica (issue 16). A child whose pidfd could
/// not be opened (kernels before 5.3, descriptors exhausted) is found by a drain the pump runs every 10 ms while such
/// a child lives: no signal source, which would need a signalfd at the very moment descriptors ran out (the daemon
/// died once under `ulimit -n 128` in CI when it was started lazily there).
/// A child is registered under the same lock as the drain, in the same critical section as its fork, so a child
/// that exits at once is never missed. Process-wide (every `ProcessLauncher` shares it), because `waitpid(-1)` reaps
/// every child of the process.
final class ChildReaper: Sendable {
    typealias ExitHandler = @Sendable (ExitStatus) -> Void
    /// `SpawnRequest.onDeath`: true when it started a process (the reap then waits for that one's exec).
    typealias DeathHandler = @Sendable (ExitStatus) -> Bool

    struct Child {
        enum Phase {
            /// Forked; the exec outcome is not known yet: an exit is kept, not reported.
            case starting
            /// Exec'd: the exit is reported as is.
            case running
            /// Failed before or at exec (it exits with 127): the exit is reported as `.execFailed`.
            case execFailed(SpawnError)
        }

        let launcherID: UInt64
        let onExit: ExitHandler
        /// `SpawnRequest.onDeath`, until it is called.
        var onDeath: DeathHandler?
        var phase = Phase.starting
        var openStreams: Int
        var status: ExitStatus? = nil
        var exitDelivered = false

        /// What `onExit` receives: nil while the child runs or its exec outcome is unknown.
        var reportableExit: ExitStatus? {
            switch phase {
            case .starting: nil
            case .running: status
            case .execFailed(let error): status.map { _ in .execFailed(error) }
            }
        }
    }

    struct State {
        var nextChildID: UInt64 = 1
        var children: [UInt64: Child] = [:]
        /// Children not reaped yet.
        var childIDByPID: [Int32: UInt64] = [:]
        var orphansReaped = 0
        /// The periodic drain's timer is armed on the pump.
        var sweepArmed = false
        /// A drain put off until the next exec report (`drainAfterExec`).
        var drainAfterExec = false
        /// The last drain found no child at all (`ECHILD`): the periodic drain stops until the next spawn.
        var noChildLeft = false
        /// Children running without a pidfd (it could not be opened): the pump drains every `unwatchedInterval`.
        var unwatched: Set<Int32> = []
        /// The drain for `unwatched` children is armed on the pump.
        var unwatchedArmed = false
    }

    /// How often the pump drains while children may be left: the longest an orphan stays a zombie.
    static let sweepInterval: Duration = .seconds(1)

    /// How often the pump drains while a child without a pidfd runs: the longest its exit waits to be heard.
    static let unwatchedInterval: Duration = .milliseconds(10)

    /// How long the exit handler waits for a descendant that still holds the output pipe open (silently).
    static let outputGrace: Duration = .milliseconds(100)
    /// How long it waits at most, even if such a descendant keeps writing.
    static let outputGraceCap: Duration = .seconds(1)

    static let shared = Result { () throws(SpawnError) -> ChildReaper in try ChildReaper() }

    let state = Mutex(State())
    let pump: OutputPump
    let queue = DispatchQueue(label: "berth.process.reaper")
    private let nextLauncherID = Atomic<UInt64>(1)

    private init() throws(SpawnError) {
        guard berth_set_child_subreaper() == 0 else {
            throw .systemCall("prctl(PR_SET_CHILD_SUBREAPER)", errno: Errno.current)
        }
        // Ignored SIGCHLD (inherited from whoever started us) would make the kernel reap our children itself.
        signal(SIGCHLD, SIG_DFL)
        pump = try OutputPump.shared.get()
        // Children that ended before we existed are found by the first drain.
        queue.async { [unowned self] in self.drain() }
    }

    /// For a child without a pidfd: the pump drains every `unwatchedInterval` until it has been reaped.
    func watchWithoutPidfd(pid: Int32) {
        let arm = state.withLock { state in
            guard state.childIDByPID[pid] != nil else { return false }  // already reaped
            state.unwatched.insert(pid)
            defer { state.unwatchedArmed = true }
            return !state.unwatchedArmed
        }
        if arm { armUnwatchedDrain() }
    }

    private func armUnwatchedDrain() {
        pump.after(.now + Self.unwatchedInterval) { [unowned self] in
            drainOnPump()
            let again = state.withLock { state in
                if state.unwatched.isEmpty { state.unwatchedArmed = false }
                return state.unwatchedArmed
            }
            if again { armUnwatchedDrain() }
        }
    }

    /// Arms the periodic drain if it is not armed (a child was just registered).
    func armSweep() {
        pump.after(.now + Self.sweepInterval) { [unowned self] in self.sweep() }
    }

    /// On the pump's thread, once a second while children may be left: reaps orphans (no pidfd tells of their exit).
    private func sweep() {
        drainOnPump()
        let again = state.withLock { state in
            if state.noChildLeft { state.sweepArmed = false }
            return state.sweepArmed
        }
        if again { armSweep() }
    }

    func makeLauncherID() -> UInt64 { nextLauncherID.add(1, ordering: .relaxed).oldValue }

    /// Reaps every child that has ended. Known children get their status; unknown pids are orphans we adopted.
    func drain() {
        let (ready, waitingForOutput) = state.withLock { $0.reapAll() }
        report(ready, awaitingOutput: waitingForOutput)
    }

    /// Runs exit handlers (never under the lock) and arms the output grace timers.
    func report(_ ready: [(ExitHandler, ExitStatus)], awaitingOutput: [UInt64]) {
        for (handler, exit) in ready {
            handler(exit)
        }
        for id in awaitingOutput {
            pump.expireWhenSilent(group: id, grace: Self.outputGrace, cap: Self.outputGraceCap) { [unowned self] in
                self.queue.async { self.outputGraceEnded(id) }
            }
        }
    }
}

extension ChildReaper.State {
    /// `waitpid(-1, WNOHANG)` until nothing is left to reap: the exits to report now, and the children whose output
    /// is still open.
    mutating func reapAll() -> (ready: [(ChildReaper.ExitHandler, ExitStatus)], awaitingOutput: [UInt64]) {
        var ready: [(ChildReaper.ExitHandler, ExitStatus)] = []
        var waitingForOutput: [UInt64] = []
        while true {
            var status: Int32 = 0
            let pid = System.retrying { waitpid(-1, &status, WNOHANG) }
            if pid < 0 { noChildLeft = true }  // ECHILD: no child and no orphan left
            if pid <= 0 { break }  // 0: children left but none ended
            unwatched.remove(pid)
            guard let id = childIDByPID.removeValue(forKey: pid) else {
                orphansReaped += 1
                continue
            }
            switch reaped(id, ExitStatus(waitStatus: status)) {
            case .none: break
            case .report(let handler, let exit): ready.append((handler, exit))
            case .awaitOutput: waitingForOutput.append(id)
            }
        }
        return (ready, waitingForOutput)
    }

    enum AfterExit {
        case none
        case report(ChildReaper.ExitHandler, ExitStatus)
        case awaitOutput
    }

    /// Records the status of a reaped child and says what to do next.
    mutating func reaped(_ id: UInt64, _ exit: ExitStatus) -> AfterExit {
        guard var child = children[id] else { return .none }
        child.status = exit
        children[id] = child
        return afterExit(id, child)
    }

    /// For a child with a known exec outcome and a status: report now if its output is complete, else wait for it.
    mutating func afterExit(_ id: UInt64, _ child: ChildReaper.Child) -> AfterExit {
        guard let exit = child.reportableExit else { return .none }
        if child.openStreams == 0 {
            children[id] = nil
            return .report(child.onExit, exit)
        }
        children[id] = child
        return .awaitOutput
    }
}
