import BerthSupervisor
import Glibc
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The supervisor as a lifecycle `Service`: brings the project up, then on graceful shutdown (SIGTERM, SIGINT) or
/// `berth down` stops everything in reverse dependency order before returning.
final class SupervisorService: Service, Sendable {
    let supervisor: Supervisor
    let logger: Logger
    private let finish: AsyncStream<Void>.Continuation
    private let finished: AsyncStream<Void>
    private let downDone = Mutex(false)
    /// Told when stopping everything begins (systemd's `STOPPING=1`).
    private let onStopping: @Sendable () -> Void
    /// Called once, a moment after every service first reached its target (the start-up burst is over).
    private let onSettled: @Sendable () -> Void

    /// The services to start (`berthd --service`); nil: all of them.
    private let only: Set<String>?

    init(
        supervisor: Supervisor, logger: Logger, only: Set<String>? = nil,
        onStopping: @escaping @Sendable () -> Void = {}, onSettled: @escaping @Sendable () -> Void = {}
    ) {
        self.supervisor = supervisor
        self.only = only
        self.logger = logger
        self.onStopping = onStopping
        self.onSettled = onSettled
        (finished, finish) = AsyncStream<Void>.makeStream()
    }

    func run() async throws {
        await supervisor.up(only: only)
        await withDiscardingTaskGroup { group in
            // Replicas' CPU, memory, descriptors: once a second, until shutdown (`BERTH_USAGE_SAMPLING=0`: never,
            // for benchmarks).
            group.addTask { await self.supervisor.sampleUsage(every: .seconds(1), sampling: self.samplesUsage) }
            // Start-up's transient work (spawning every replica, `berth up`'s polls) is over: let berthd give
            // back what only that used (issue 16: RSS). Cancelled with the group if shutdown comes first.
            group.addTask { await self.whenSettled() }
            // Wait for either a shutdown signal or `berth down` having stopped everything.
            await withGracefulShutdownHandler {
                for await _ in finished { break }
            } onGracefulShutdown: {
                self.finish.yield()
            }
            group.cancelAll()
        }
        if !downDone.withLock({ $0 }) {
            onStopping()
            logger.info("shutting down: stopping every service", metadata: ["event": "shutting_down"])
            _ = await supervisor.down(timeout: nil)
        }
        await supervisor.removeLeftoverCgroups()
        supervisor.logs.finishAll()
        supervisor.events.finishAll()
    }

    /// Runs `onSettled` a moment after every service first reached its target (the clients that waited for it,
    /// `berth up`, are answered by then), or after a minute if that never happens (a crash loop). Polls (like the
    /// systemd notifier) rather than `waitUntilSettled`, whose waiter does not end when the task is cancelled.
    private func whenSettled() async {
        let start = ContinuousClock.now
        while !Task.isCancelled, !(await supervisor.hasSettled()), ContinuousClock.now - start < .seconds(60) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        try? await Task.sleep(for: .seconds(1))
        if !Task.isCancelled { onSettled() }
    }

    private var samplesUsage: Bool { ProcessInfo.processInfo.environment["BERTH_USAGE_SAMPLING"] != "0" }

    /// `berth down` is about to stop everything.
    func beginStopping() {
        onStopping()
    }

    /// Called after `down` answered its client: lets `run` return so the group shuts down.
    func downCompleted() {
        downDone.withLock { $0 = true }
        finish.yield()
    }
}
