import ArgumentParser
import BerthExport
import Foundation

extension BerthCommand {
    /// `berth export systemd`: a template unit per service and a target for the project, for one host.
    struct ExportSystemd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "systemd",
            abstract: "Write systemd units for the project (see docs/export.md)."
        )

        @Option(name: [.customShort("f"), .customLong("file")], help: fileHelp)
        var explicitFile: String?

        var file: String { ManifestPath.resolve(explicitFile, environment: ProcessInfo.processInfo.environment) }

        @Option(name: [.customShort("o"), .long], help: "Folder for the unit files.")
        var output: String = "."

        @Option(help: "The oldest systemd the units must load on; 254 and later also get RestartSteps=.")
        var systemdVersion: Int = SystemdExportOptions.defaultSystemdVersion

        @Flag(help: "Write even into a folder another user can change (the units run as root once installed).")
        var allowSharedOutput = false

        func validate() throws {
            if output == "-" {
                throw ValidationError("systemd units are several files (with drop-in folders): give -o DIR")
            }
            if systemdVersion < 200 {
                throw ValidationError("--systemd-version must be a systemd version such as 252, got \(systemdVersion)")
            }
        }

        func run() throws {
            let manifest = try ExportOutput.loadManifest(file)
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            let options = SystemdExportOptions(
                systemdVersion: systemdVersion, resolveProgram: ProgramSearch.resolver(path: path))
            let result = SystemdExporter.export(manifest, options: options)
            try ExportOutput.finish(
                result, file: file, output: output, stream: false, folderCheck: allowSharedOutput ? .warn : .refuse,
                risk: "another user could change the units before they are installed and run as root")
        }
    }
}
