import BerthProcess
import BerthSupervisorCore
import Synchronization

/// A replica's replacement, prepared by the supervisor while the process runs and started by the thread that
/// reports the process's exit (the pump's, right after the reap), so that kill -9 → new pid does not wait for the
/// exit to reach the supervisor's task and for the work it does before a spawn (issue 16 asks for 2 ms).
///
/// Only a start moves ahead: the supervisor still applies the exit to the replica's machine as before (so the logs
/// and the event stream still read `exited`, then `restarted`), and the started replacement answers the `.spawn` the
/// machine returns. The prepared start follows the machine's own prediction (`ReplicaMachine.immediateRestart`);
/// should the machine decide otherwise after all (a stop that came in while the exit was on its way), the
/// replacement is discarded: SIGKILL, and its output and exit go nowhere.
final class RestartHandoff: Sendable {
    /// A replacement ready to start, for the exit of incarnation `after`.
    struct Prepared: Sendable {
        let after: Int
        var restart: ImmediateRestart
        let start: @Sendable (Ticket) -> Result<Int32, SpawnError>
    }

    /// Marks one started replacement: once discarded, its output and exit are dropped.
    final class Ticket: Sendable {
        private let discarded = Atomic(false)

        var isDiscarded: Bool { discarded.load(ordering: .acquiring) }

        func discard() { discarded.store(true, ordering: .releasing) }
    }

    /// A replacement started at an exit, waiting for the supervisor to adopt or discard it.
    struct Started: Sendable {
        let incarnation: Int
        let result: Result<Int32, SpawnError>
        let ticket: Ticket
    }

    /// The news of an exit, held until the replacement started at it has exec'd (`holdExit`).
    private struct HeldExit {
        let incarnation: Int
        let report: @Sendable () -> Void
    }

    private struct State {
        var prepared: Prepared?
        /// The incarnation a preparation was asked for (it is built on a later turn of the supervisor).
        var requested: Int?
        var started: Started?
        var held: HeldExit?
        /// The last incarnation whose exec outcome is known (it may be known before `started` is set).
        var executed: Int?
    }

    /// The longest an exit's news waits for its replacement's exec: a replacement stuck before its `execve` (a
    /// working directory on a hung network file system) must not hide the exit from the supervisor for good.
    static let exitHold: Duration = .milliseconds(50)

    private let state = Mutex(State())

    func prepare(_ prepared: Prepared) {
        state.withLock {
            $0.prepared = prepared
            $0.requested = nil
        }
    }

    /// No exit starts anything until the next `prepare`.
    func withdraw() {
        state.withLock {
            $0.prepared = nil
            $0.requested = nil
        }
    }

    /// What to do for the machine's current prediction: true when a replacement for its incarnation is prepared (its
    /// instant and condition now follow `restart`) or already asked for; false when one must be built.
    func follow(_ restart: ImmediateRestart) -> Bool {
        state.withLock { state in
            if state.prepared?.restart.incarnation == restart.incarnation {
                state.prepared?.restart = restart
                return true
            }
            if state.requested == restart.incarnation { return true }
            state.prepared = nil
            state.requested = restart.incarnation
            return false
        }
    }

    func isPrepared(for incarnation: Int) -> Bool {
        state.withLock { $0.prepared?.restart.incarnation == incarnation }
    }

    /// On the thread that reports the exit of incarnation `incarnation` (before the supervisor hears of it): starts
    /// the prepared replacement if this exit is one the machine answers with a spawn at once. True when it started one
    /// (successfully or not: a failed spawn started nothing to wait for, and says false).
    @discardableResult
    func exited(incarnation: Int, status: ExitStatus, at now: ContinuousClock.Instant) -> Bool {
        let taken: Prepared? = state.withLock { state in
            guard let prepared = state.prepared, prepared.after == incarnation, now >= prepared.restart.from else {
                return nil
            }
            // A failed exec is a failed start, never restarted; a clean exit completes an `on-failure` replica.
            if case .execFailed = status { return nil }
            if prepared.restart.onlyAfterFailure, status.succeeded { return nil }
            state.prepared = nil
            return prepared
        }
        guard let taken else { return false }
        let ticket = Ticket()
        let result = taken.start(ticket)
        state.withLock {
            $0.started = Started(incarnation: taken.restart.incarnation, result: result, ticket: ticket)
        }
        if case .success = result { return true }
        return false
    }

    /// On the thread that reports the exit of incarnation `incarnation`, once `exited` ran: true when the replacement
    /// started at this exit has not exec'd yet, in which case `report` (the news for the supervisor) is kept until it
    /// has (`replacementExecuted`) or until `releaseExit`. The supervisor's work for an exit (its machine, logs, the
    /// next preparation: ~0.5 ms of CPU) would otherwise be woken on the core the new child waits for, between its
    /// clone and its exec (measured with the peer bench's probe, issue 16). False: report now.
    func holdExit(of incarnation: Int, _ report: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.held == nil, let started = state.started, started.incarnation == incarnation + 1,
                case .success = started.result, state.executed != started.incarnation
            else { return false }
            state.held = HeldExit(incarnation: incarnation, report: report)
            return true
        }
    }

    /// On the pump's thread when a process of this replica (incarnation `incarnation`) exec'd or failed to: releases
    /// the news of the exit it replaced, if held.
    func replacementExecuted(incarnation: Int) {
        let report: (@Sendable () -> Void)? = state.withLock { state in
            state.executed = incarnation
            guard let held = state.held, held.incarnation + 1 == incarnation else { return nil }
            state.held = nil
            return held.report
        }
        report?()
    }

    /// The bound on `holdExit`: releases the news of the exit of `incarnation` if it is still held.
    func releaseExit(of incarnation: Int) {
        let report: (@Sendable () -> Void)? = state.withLock { state in
            guard let held = state.held, held.incarnation == incarnation else { return nil }
            state.held = nil
            return held.report
        }
        report?()
    }

    /// The replacement started for incarnation `incarnation`, taken once.
    func takeStarted(incarnation: Int) -> Started? {
        state.withLock { state in
            guard let started = state.started, started.incarnation == incarnation else { return nil }
            state.started = nil
            return started
        }
    }
}
