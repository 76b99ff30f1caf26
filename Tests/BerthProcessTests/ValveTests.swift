import BerthProcess
import Testing

@Suite("Output valve (backpressure) with real processes")
struct ValveTests {
    /// A closed valve stops the pump reading: the child fills its pipe and blocks in write, nothing is lost, and
    /// once the valve opens every line arrives in order.
    @Test func closedValveStopsReadingAndLosesNothing() async throws {
        let valve = OutputValve()
        valve.close()
        let recorder = Recorder()
        var spawn = request(["/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done"])
        spawn.outputValve = valve
        _ = try launcher.spawn(spawn, onOutput: recorder.record, onExit: recorder.exited)
        try await Task.sleep(for: .milliseconds(500))
        // At most one read (64 KiB) got through before the pump parked the pipe; the child is blocked, not done.
        let early = recorder.lines.count
        #expect(early < 20000)
        #expect(recorder.exits.isEmpty)
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.lines.count == early)
        valve.open()
        _ = try await recorder.waitForExit()
        #expect(recorder.texts == (0..<20000).map { "line \($0)" })
    }

    /// The valve toggled many times while the child writes: still every line, in order.
    @Test func togglingValveKeepsEveryLine() async throws {
        let valve = OutputValve()
        let recorder = Recorder()
        var spawn = request(["/bin/sh", "-c", "i=0; while [ $i -lt 30000 ]; do echo n$i; i=$((i+1)); done"])
        spawn.outputValve = valve
        _ = try launcher.spawn(spawn, onOutput: recorder.record, onExit: recorder.exited)
        for round in 0..<40 where recorder.exits.isEmpty {
            if round % 2 == 0 { valve.close() } else { valve.open() }
            try await Task.sleep(for: .milliseconds(10))
        }
        valve.open()
        _ = try await recorder.waitForExit()
        #expect(recorder.texts == (0..<30000).map { "n\($0)" })
    }
}
