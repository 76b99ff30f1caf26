import BerthExport
import BerthManifest
import Foundation

/// What both exports do with a result: diagnostics to stderr, errors to exit 1, files to a folder or stdout.
enum ExportOutput {
    static func loadManifest(_ file: String) throws(CLIFailure) -> Manifest {
        try ProjectContext.loadManifest(file, environment: ProcessInfo.processInfo.environment)
    }

    /// With `stream` and output `-`, the files are concatenated on stdout (they are YAML documents already).
    static func finish(_ result: ExportResult, file: String, output: String, stream: Bool) throws(CLIFailure) {
        for diagnostic in result.warnings + result.errors {
            Terminal.error(diagnostic.description)
        }
        guard result.errors.isEmpty else {
            let count = result.errors.count
            throw CLIFailure.failed("\(file): cannot export (\(count) \(count == 1 ? "error" : "errors"))")
        }
        if stream, output == "-" {
            Terminal.out(result.files.map(\.contents).joined())
            return
        }
        do {
            for exported in result.files {
                let path = output + "/" + exported.name
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try exported.contents.write(toFile: path, atomically: true, encoding: .utf8)
            }
        } catch {
            throw CLIFailure.failed("cannot write to \(output): \(error.localizedDescription)")
        }
        Terminal.error("wrote \(result.files.count) files to \(output)")
    }
}
