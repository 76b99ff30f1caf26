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

    /// The services to start (`berthd --service`); nil: all of them.
    private let only: Set<String>?

    init(
        supervisor: Supervisor, logger: Logger, only: Set<String>? = nil,
        onStopping: @escaping @Sendable () -> Void = {}
    ) {
        self.supervisor = supervisor
        self.only = only
        self.logger = logger
        self.onStopping = onStopping
        (finished, finish) = AsyncStream<Void>.makeStream()
    }

    func run() async throws {
        await supervisor.up(only: only)
        await withDiscardingTaskGroup { group in
            // Replicas' CPU, memory, descriptors: once a second, until shutdown (`BERTH_USAGE_SAMPLING=0`: never,
            // for benchmarks).
            group.addTask { await self.supervisor.sampleUsage(every: .seconds(1), sampling: self.samplesUsage) }
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
