import ArgumentParser

extension BerthCommand {
    /// `berth start`: start a service's replicas and wait until they are ready.
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a service's replicas and wait until they are ready."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("start", done: "started", options: options)
        }
    }
}
