import ArgumentParser

extension BerthCommand {
    /// `berth stop`: stop every replica of a service (it stays stopped until started).
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every replica of a service (it stays stopped until started).",
            discussion: "`berth stop web.1` stops one replica (drained first when the gateway routes to it); it "
                + "stays stopped, whatever its restart policy, while the others serve, until `berth start web.1`."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var action: ServiceActionOptions

        func run() throws {
            try action.run("stop", done: "stopped", options: options)
        }
    }
}
