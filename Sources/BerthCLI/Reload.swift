import ArgumentParser
import BerthControlProtocol
import BerthManifest

extension BerthCommand {
    /// `berth reload`: the running daemon re-reads the manifest and applies what changed, without downtime.
    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply an edited manifest to the running daemon without downtime.",
            discussion: """
                The daemon re-reads and validates the manifest (an invalid one changes nothing), then rolls the \
                services whose spec changed (replicas are replaced one batch at a time, see rollout:), starts new \
                services, drains and stops removed ones and swaps the gateway's routes. Untouched services keep \
                running. Replica counts set with 'berth scale' are kept unless the manifest's replicas changed.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: .customLong("dry-run"), help: "Print the plan and change nothing.")
        var dryRun = false

        @Option(
            parsing: .unconditional, help: "How long to wait for the changes to be rolled out. (default: 120s)",
            transform: CLIDuration.parse)
        var timeout: CLIDuration = .seconds(120)

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: true)
            for warning in context.manifest?.warnings ?? [] {
                Terminal.error(warning.description)
            }
            // A service the edited manifest adds with `profiles:` starts only if one is active (BERTH_PROFILES).
            var start: [String]?
            if let manifest = context.manifest {
                let active = ServiceSelection.activeProfiles(options: [], environment: context.environment)
                let selection = try? ServiceSelection(manifest, named: [], profiles: active)
                if let selection, !selection.isEverything { start = selection.services }
            }
            try Self.reload(context, file: context.manifest?.file, dryRun: dryRun, timeout: timeout, start: start)
        }

        /// POSTs `/v1/reload` and prints the plan (or what did not work out).
        static func reload(
            _ context: ProjectContext, file: String?, dryRun: Bool, timeout: CLIDuration, start: [String]? = nil,
            watch: Bool = false
        ) throws {
            let body = ReloadRequest(
                file: file, dryRun: dryRun, timeoutMilliseconds: timeout.milliseconds,
                environment: context.manifest.map { interpolationEnvironment($0, from: context.environment) },
                start: start, watch: watch ? true : nil)
            let response = try context.operation("/v1/reload", body: body, timeout: timeout)
            guard response.ok else { throw NotReadyReport.failure(response, summary: "reload failed") }
            Terminal.line(response.message)
        }

        /// The variables the manifest reads, with this process's values: the daemon interpolates with these, so that
        /// `XV=two berth reload` means what `XV=two berth up` means.
        static func interpolationEnvironment(
            _ manifest: Manifest, from environment: [String: String]
        )
            -> [String: String]
        {
            environment.filter { manifest.referencedVariables.contains($0.key) }
        }
    }
}
