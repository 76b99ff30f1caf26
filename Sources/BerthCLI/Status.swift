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

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let status = try context.status()
            if json {
                Terminal.out(try StatusJSON.render(status))
            } else {
                Terminal.out(StatusTable.render(status))
            }
        }
    }
}
