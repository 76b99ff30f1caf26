import ArgumentParser

extension BerthCommand {
    /// `berth stop`: stop every replica of a service (it stays stopped until started).
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every replica of a service (it stays stopped until started)."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("stop", done: "stopped", options: options)
        }
    }
}
