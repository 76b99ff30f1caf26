import BerthLogging
import BerthProcess

/// One replica process's way to the log driver: turns its lines into records (priority from the stream or the
/// line's `<N>` prefix) on the pump's thread, and closes its output valve while its lane in the writer is full.
final class ReplicaOutput: Sendable {
    let valve = OutputValve()
    private let project: String
    private let service: String
    private let replica: Int
    private let writer: LogWriter?
    private let lane: LogWriter.Lane

    init(project: String, service: String, replica: Int, writer: LogWriter?, incarnation: Int) {
        self.project = project
        self.service = service
        self.replica = replica
        self.writer = writer
        self.lane = LogWriter.Lane(service: service, replica: replica, incarnation: incarnation)
        let valve = self.valve
        writer?.onPressure(lane) { full in
            if full { valve.close() } else { valve.open() }
        }
    }

    func carry(_ line: OutputLine, time: Double) {
        guard let writer else { return }
        let fallback = line.stream == .stdout ? LogRecord.stdoutPriority : LogRecord.stderrPriority
        let (priority, message) = PriorityPrefix.split(line.text, fallback: fallback)
        let record = LogRecord(
            time: time, priority: priority, project: project, service: service, replica: replica,
            pid: line.pid, message: message
        )
        writer.write(record, lane: lane)
    }

    /// The process's output has ended (or its grace ran out): the lane's handler goes once the lane is drained.
    func ended() {
        writer?.closeLane(lane)
    }
}
