import ArgumentParser

extension BerthCommand {
    /// `berth status`: what every replica of the project is doing.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every replica: pid, port, state, readiness, restarts, uptime."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Print the status document of the control API (sorted keys, pretty printed).")
        var json = false

        @Flag(help: "Redraw the table on every change (and once a second), until interrupted.")
        var watch = false

        func validate() throws {
            if watch && json { throw ValidationError("--watch draws the table; it cannot be combined with --json") }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            if watch {
                try StatusWatch.run(context)
                return
            }
            let status = try context.status()
            if json {
                Terminal.out(try StatusJSON.render(status))
            } else {
                Terminal.out(StatusTable.render(status))
            }
        }
    }
}
