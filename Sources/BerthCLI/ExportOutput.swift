import BerthExport
import BerthManifest
import Foundation

/// What both exports do with a result: diagnostics to stderr, errors to exit 1, files to a folder or stdout.
enum ExportOutput {
    static func loadManifest(_ file: String) throws(CLIFailure) -> Manifest {
        // The target machine has its own accounts: `user:` and `group:` are not looked up here.
        try ProjectContext.loadManifest(file, environment: ProcessInfo.processInfo.environment, accounts: .skip)
    }

    /// Whether `finish` checks that nobody else can change what it writes (`ExportFolder`), and what it does then.
    enum FolderCheck {
        case none
        case refuse
        case warn
    }

    /// With `stream` and output `-`, the files are concatenated on stdout (they are YAML documents already), and no
    /// folder is checked. `risk` says what another user could do with a folder `folderCheck` refuses.
    static func finish(
        _ result: ExportResult, file: String, output: String, stream: Bool, folderCheck: FolderCheck = .none,
        risk: String = ""
    ) throws(CLIFailure) {
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
        let folders = Set(
            result.files.map { ($0.name as NSString).deletingLastPathComponent }.filter { !$0.isEmpty }
        ).sorted()
        try checkFolders(output: output, folders: folders, folderCheck, risk: risk)
        do {
            for folder in [output] + folders.map({ output + "/" + $0 }) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw CLIFailure.failed("cannot write to \(output): \(error.localizedDescription)")
        }
        // Again, now that every folder exists: one planted between the first check and mkdir is theirs.
        if folderCheck == .refuse { try checkFolders(output: output, folders: folders, .refuse, risk: risk) }
        do {
            for exported in result.files {
                let path = output + "/" + exported.name
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

    /// Refuses (or, allowed, warns about) folders another user could change before the export is installed.
    private static func checkFolders(
        output: String, folders: [String], _ check: FolderCheck, risk why: String
    ) throws(CLIFailure) {
        guard check != .none, let problem = ExportFolder.problem(output: output, folders: folders) else { return }
        guard check == .warn else {
            throw CLIFailure(
                .permissionDenied, "refusing to export into \(output): \(problem)",
                details: ["\(why); export into a folder only you can write (mktemp -d), or pass --allow-shared-output"])
        }
        Terminal.error("warning: exporting into \(output) anyway (--allow-shared-output): \(problem); \(why)")
    }

    /// Writes a file that holds secrets: always a new file of ours, created with mode 0600 under a name nobody could
    /// have prepared, then renamed into place, so it is never readable by others for a moment.
    ///
    /// It used to open the destination itself (`O_CREAT | O_TRUNC`, then `fchmod`): in a folder another user can
    /// write (`-o /tmp/out` made by them), a file they had created there first was opened and filled with the
    /// secrets, and stayed theirs, so they read it (audit11). A new file cannot be theirs, and renaming it replaces
    /// whatever they left at the destination.
    private static func writePrivate(_ contents: String, to path: String) throws(CLIFailure) {
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            temporary = path + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw CLIFailure.failed("cannot write \(path): \(String(cString: strerror(errno)))") }
        var done = false
        defer {
            close(fd)
            if !done { unlink(temporary) }
        }
        // The umask may have taken bits the mode asked for; it can only have taken, never added: set it exactly.
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
        guard rename(temporary, path) == 0 else {
            throw CLIFailure.failed("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        done = true
    }
}
