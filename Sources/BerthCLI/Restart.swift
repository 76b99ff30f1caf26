import ArgumentParser

extension BerthCommand {
    /// `berth restart`: restart a service's replicas and wait until they are ready again.
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart a service's replicas and wait until they are ready again.",
            discussion: """
                A service that serves through the gateway is restarted rolling: each replica is replaced by a new \
                process that is ready before the old one leaves the rotation. `berth restart web.1` restarts one \
                replica in place while the others serve. Replicas stopped on their own (`berth stop web.1`) stay \
                stopped.
                """
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("restart", done: "restarted", options: options)
        }
    }
}
