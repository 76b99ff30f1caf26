import ArgumentParser
import BerthManifest
import BerthManifestYAML
import Foundation

extension BerthCommand {
    /// `berth resolve -f FILE` (hidden): loads, interpolates and validates the manifest with this process's
    /// environment and prints it as JSON. berthd runs it at start and at `berth reload`, so that the daemon links
    /// no YAML parser (Yams pulls full Foundation and ICU into a static binary: docs/architecture.md).
    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the resolved manifest as JSON (used by berthd).", shouldDisplay: false)

        @Option(name: [.customShort("f"), .customLong("file")], help: "The manifest.")
        var file: String

        @Flag(help: "Interpolate with the variables of a JSON object on stdin instead of this process's environment.")
        var environmentFromStdin = false

        func run() throws {
            let variables = try environment()
            let manifest: Manifest
            do {
                manifest = try ManifestLoader.load(path: file, environment: variables)
            } catch {
                // The diagnostics exactly as berthd printed them when it loaded the file itself, one per line.
                Terminal.error(error.description)
                let reply = ResolvedManifest.invalid(diagnostics: error.description)
                Terminal.out(String(decoding: try reply.json(), as: UTF8.self) + "\n")
                throw ExitCode(BerthExitCode.failure.rawValue)
            }
            Terminal.out(String(decoding: try ResolvedManifest.manifest(manifest).json(), as: UTF8.self) + "\n")
        }

        /// berthd sends a reload's variables on stdin, not as this process's environment: they are the caller's
        /// values for `${...}`, and must not reach the loader of this binary (`LD_PRELOAD`) or anything else.
        private func environment() throws -> [String: String] {
            guard environmentFromStdin else { return ProcessInfo.processInfo.environment }
            let input = FileHandle.standardInput.readDataToEndOfFile()
            do {
                return try JSONDecoder().decode([String: String].self, from: input)
            } catch {
                throw CLIFailure.failed("resolve: stdin is not a JSON object of strings: \(error)")
            }
        }
    }
}
