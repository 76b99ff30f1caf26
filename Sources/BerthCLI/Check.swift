import ArgumentParser
import BerthResources

extension BerthCommand {
    /// `berth check`: validates a manifest without starting anything.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the manifest and print every diagnostic."
        )

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let environment = ProjectContext.environment(options)
            let manifest = try ProjectContext.loadManifest(options.file, environment: environment)
            let count = manifest.services.count
            // The files merged into it (`include:`, the override file), so that none acts unseen.
            let others = manifest.sourceFiles.dropFirst().map { TerminalText.visible($0) }
            let with = others.isEmpty ? "" : "; with " + others.joined(separator: ", ")
            Terminal.line("\(options.file): ok (\(count) \(count == 1 ? "service" : "services")\(with))")
            for warning in manifest.warnings + manifest.limitWarnings(CgroupSupport.current(environment: environment)) {
                Terminal.error(warning.description)
            }
        }
    }
}
