import BerthControlProtocol
import BerthLogging
import BerthProcess
import Synchronization

/// Everything starting one replica process needs, taken from the supervisor's state beforehand: the supervisor's
/// `spawn` starts it at once, a prepared replacement (`RestartHandoff`) on the thread that reports the previous
/// process's exit. One type, so that both start a process in exactly the same way.
struct ReplicaLaunch: Sendable {
    let processes: any ProcessControl
    let request: SpawnRequest
    let project: String
    let service: String
    let slot: Int
    let replica: Int
    let incarnation: Int
    let writer: LogWriter?
    let logs: LogHub
    let mask: SecretMask
    let inputs: AsyncStream<SupervisorInput>.Continuation
    let handoff: RestartHandoff
    let clock: any SupervisorClock

    /// Spawns the process. A prepared replacement's `ticket` silences its output and exit once it is discarded.
    func start(ticket: RestartHandoff.Ticket?) -> Result<Int32, SpawnError> {
        let output = ReplicaOutput(
            project: project, service: service, replica: replica, writer: writer, incarnation: incarnation)
        var request = request
        request.outputValve = output.valve
        let (service, slot, replica, incarnation) = (service, slot, replica, incarnation)
        let (logs, mask, inputs, handoff, clock, processes) = (logs, mask, inputs, handoff, clock, processes)
        // One carry per stream: the pump hands this process's lines over one at a time, in order.
        let carries = Mutex((stdout: SecretMask.Carry(), stderr: SecretMask.Carry()))
        // The replacement prepared for this exit starts as soon as the exit is seen, before the output's EOF and
        // the reap (the launcher calls this on the pump's thread); `onExit` below tries again where it was not.
        request.onDeath = { status in
            if let ticket, ticket.isDiscarded { return false }
            return handoff.exited(incarnation: incarnation, status: status, at: clock.now)
        }
        request.onExec = { _ in handoff.replacementExecuted(incarnation: incarnation) }
        do throws(SpawnError) {
            let pid = try processes.spawn(
                request,
                onOutput: { line in
                    if let ticket, ticket.isDiscarded { return }
                    let time = wallClockNow()
                    var line = line
                    if !mask.isEmpty {
                        let masked = carries.withLock { carries in
                            line.stream == .stdout
                                ? carries.stdout.pass(line.text, continued: line.continued, through: mask)
                                : carries.stderr.pass(line.text, continued: line.continued, through: mask)
                        }
                        guard let masked else { return }
                        line.text = masked
                    }
                    output.carry(line, time: time)
                    logs.append(
                        LogEntry(
                            service: service,
                            replica: replica,
                            stream: line.stream == .stdout ? .stdout : .stderr,
                            time: time,
                            line: line.text
                        )
                    )
                },
                onExit: { status in
                    if let ticket, ticket.isDiscarded {
                        output.ended()
                        return
                    }
                    // The replacement first (when one is prepared for this exit), then the news of the exit.
                    handoff.exited(incarnation: incarnation, status: status, at: clock.now)
                    output.ended()
                    let report: @Sendable () -> Void = {
                        inputs.yield(.exited(service: service, slot: slot, incarnation: incarnation, status: status))
                    }
                    // The news waits for the replacement's exec, if one was started at this exit (bounded).
                    if handoff.holdExit(of: incarnation, report) {
                        processes.runLater(after: RestartHandoff.exitHold) {
                            handoff.releaseExit(of: incarnation)
                        }
                    } else {
                        report()
                    }
                }
            )
            return .success(pid)
        } catch {
            output.ended()
            return .failure(error)
        }
    }
}
