public import BerthProcess
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Prober {
    /// Runs `request` and succeeds when it exits 0 within `timeout`. On timeout (or cancellation of the calling
    /// task) its whole process group is killed with SIGKILL, and the call returns once it has been reaped.
    public func exec(_ request: SpawnRequest, timeout: Duration) async -> ProbeOutcome {
        let loop = eventLoopGroup.next()
        let exited = loop.makePromise(of: ExitStatus.self)
        let pid: Int32
        do {
            pid = try launcher.spawn(request, onOutput: { _ in }, onExit: { exited.succeed($0) })
        } catch {
            exited.fail(error)  // NIO insists that every promise is completed
            return .failure("exec cannot start: \(error)")
        }
        let launcher = self.launcher
        let timedOut = Mutex(false)
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            timedOut.withLock { $0 = true }
            _ = launcher.signalGroup(pid, SIGKILL)
        }
        let status = await withTaskCancellationHandler {
            try? await exited.futureResult.get()
        } onCancel: {
            _ = launcher.signalGroup(pid, SIGKILL)
        }
        deadline.cancel()
        if timedOut.withLock({ $0 }) {
            return .failure("timed out after \(Self.describe(timeout))")
        }
        guard let status else { return .failure("exec ended without an exit status") }
        return status.succeeded ? .success : .failure("exec \(status)")
    }
}
