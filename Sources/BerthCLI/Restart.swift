import ArgumentParser

extension BerthCommand {
    /// `berth restart`: restart a service's replicas and wait until they are ready again.
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart a service's replicas and wait until they are ready again."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("restart", done: "restarted", options: options)
        }
    }
}
