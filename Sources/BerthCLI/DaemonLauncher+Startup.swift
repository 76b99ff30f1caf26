import BerthControlClient
import BerthControlProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension DaemonLauncher {
    /// How many lines of the daemon's log a startup failure shows.
    static let tailLines = 20

    /// Polls until the started daemon answers `GET /v1/status`. Fails with its log tail if it exits first, or
    /// stops it (SIGTERM, by pid) if it neither answers nor exits within `limit`.
    static func awaitAnswer(
        _ started: Started, context: ProjectContext, limit: Duration = .seconds(10)
    )
        throws(CLIFailure) -> StatusResponse
    {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if let exit = exitStatus(started.pid) {
                throw .failed("berthd \(exit) before it answered", details: logTail(started))
            }
            var answer: StatusResponse?
            do {
                answer = try context.client(timeout: .seconds(1)).status()
            } catch .noDaemon, .timeout, .io {
                // Not listening yet, or accepting but still busy starting.
            } catch {
                throw CLIFailure(error, project: context.projectLabel)
            }
            if let answer {
                if answer.daemonPID == started.pid { return answer }
                // Another `berth up`'s daemon answered (two at once): ours must not start the project later, once
                // that one is stopped (still starting, slow under load, it would take the state directory's lock
                // after that daemon exits). Stop it; `berth up` goes on with the other one.
                throw .failed(
                    "another berthd (pid \(answer.daemonPID)) answered on \(context.paths.socket); \(stop(started.pid))"
                )
            }
            if clock.now >= deadline {
                throw .failed(
                    "berthd did not answer on \(context.paths.socket) within \(limit); \(stop(started.pid))",
                    details: logTail(started)
                )
            }
            usleep(100_000)
        }
    }

    /// Asks a daemon that never answered to stop (SIGTERM: it stops its replicas first) and waits up to `grace` for
    /// it to exit; says what really happened, so that the CLI never claims it stopped a daemon that still runs.
    static func stop(_ pid: pid_t, grace: Duration = .seconds(15)) -> String {
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while clock.now < deadline {
            if let exit = exitStatus(pid) { return "asked it to stop; it \(exit)" }
            usleep(50_000)
        }
        return "asked it to stop (SIGTERM), but it still runs after \(grace) as pid \(pid): "
            + "`berth down` or `kill \(pid)` stops it and its replicas"
    }

    /// "exited with status N" or "was killed by signal N" once the child has ended; nil while it runs.
    static func exitStatus(_ pid: pid_t) -> String? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(signal)"
    }

    /// The last lines the daemon wrote to its log during this start, indented.
    static func logTail(_ started: Started) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: started.logPath) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: started.logOffset)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" {
            lines.removeLast()
        }
        guard !lines.isEmpty else { return ["  (nothing in \(started.logPath))"] }
        return ["  \(started.logPath):"] + lines.suffix(tailLines).map { "    \($0)" }
    }
}
