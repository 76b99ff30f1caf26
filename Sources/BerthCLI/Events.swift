import ArgumentParser
import BerthControlProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension BerthCommand {
    /// `berth events`: the daemon's lifecycle events as they happen (started, ready, crashed, restarting, gave up,
    /// scaled, ejected), the recent ones first.
    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow the daemon's events: replica state changes, scaling, gateway ejections."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Print each event as one JSON object per line (including the once-a-second 'rates' samples).")
        var json = false

        @Option(
            name: [.customShort("n"), .long], parsing: .unconditional, help: "How many recent events to print first.")
        var tail: Int = 20

        func validate() throws {
            guard (0...10_000).contains(tail) else { throw ValidationError("--tail must be between 0 and 10000") }
        }

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try context.streamEvents(tail: tail) { event in
                if json {
                    if let data = try? encoder.encode(event) { Terminal.line(String(decoding: data, as: UTF8.self)) }
                } else if event.kind != .rates {
                    Terminal.line(EventLine.format(event))
                }
                return true
            }
        }
    }
}
