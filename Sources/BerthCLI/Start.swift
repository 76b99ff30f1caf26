import ArgumentParser

extension BerthCommand {
    /// `berth start`: start a service's replicas and wait until they are ready.
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a service's replicas and wait until they are ready.",
            discussion: "`berth start web.1` starts one replica that `berth stop web.1` stopped; `berth start web` "
                + "starts every replica of web, those stopped on their own included."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("start", done: "started", options: options)
        }
    }
}
