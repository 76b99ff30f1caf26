import BerthControlProtocol

/// `berth status --watch`: follows the daemon's events and redraws the status table after each one (the daemon
/// sends one at every state change and a `rates` event once a second), at most once per event batch.
enum StatusWatch {
    /// Clears the screen and moves the cursor home (on a terminal; plain separators otherwise).
    static func frame(_ table: String, tty: Bool, time: String) -> String {
        let header = "berth status --watch · \(time)\n\n"
        return tty ? "\u{1B}[H\u{1B}[2J" + header + table : header + table + "\n"
    }

    static func run(_ context: ProjectContext) throws(CLIFailure) {
        let tty = Terminal.stdoutIsTTY
        Terminal.out(frame(StatusTable.render(try context.status()), tty: tty, time: EventLine.clock(nil)))
        var failure: CLIFailure?
        try context.streamEvents(tail: 0) { event in
            switch Result(catching: { () throws(CLIFailure) -> StatusResponse in try context.status() }) {
            case .success(let status):
                Terminal.out(frame(StatusTable.render(status), tty: tty, time: EventLine.clock(event.time)))
                return true
            case .failure(let error):
                failure = error
                return false
            }
        }
        if let failure { throw failure }
    }
}
