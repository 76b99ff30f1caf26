import BerthExport
import BerthManifest
import Foundation

/// What both exports do with a result: diagnostics to stderr, errors to exit 1, files to a folder or stdout.
enum ExportOutput {
    static func loadManifest(_ file: String) throws(CLIFailure) -> Manifest {
        // The target machine has its own accounts: `user:` and `group:` are not looked up here.
        try ProjectContext.loadManifest(file, environment: ProcessInfo.processInfo.environment, accounts: .skip)
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
            // Files with secrets never go to stdout (only the systemd export has them, and it needs -o DIR).
            Terminal.out(result.files.filter { !result.privateFiles.contains($0.name) }.map(\.contents).joined())
            return
        }
        do {
            for exported in result.files {
                let path = output + "/" + exported.name
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                if result.privateFiles.contains(exported.name) {
                    try writePrivate(exported.contents, to: path)
                } else {
                    try exported.contents.write(toFile: path, atomically: true, encoding: .utf8)
                }
            }
        } catch {
            throw CLIFailure.failed("cannot write to \(output): \(error.localizedDescription)")
        }
        Terminal.error("wrote \(result.files.count) files to \(output)")
    }

    /// Writes a file that holds secrets: created with mode 0600 (and tightened if it existed), never readable by
    /// others for a moment.
    private static func writePrivate(_ contents: String, to path: String) throws(CLIFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CLIFailure.failed("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else {
            throw CLIFailure.failed("cannot set mode 0600 on \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw CLIFailure.failed("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }
}
