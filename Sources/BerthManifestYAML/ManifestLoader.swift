public import BerthManifest
import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a `berth.yaml` into a validated `Manifest`: parse YAML -> interpolate -> read sections against the schema
/// -> apply defaults -> validate cross-references. Collects every problem before throwing; never exits.
public enum ManifestLoader {
    /// Loads the manifest at `path` (relative paths start at the current directory). `accounts` checks `user:` and
    /// `group:` against this machine as a daemon of the current user would use them; an export passes `.skip`.
    public static func load(
        path: String,
        environment: [String: String],
        accounts: AccountCheck = .current
    ) throws(ManifestError) -> Manifest {
        let file = PathText.absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw single("manifest not found", file: file)
        }
        guard !isDirectory.boolValue else {
            throw single("manifest path is a directory", file: file)
        }
        // Read as `cat` would: `FileManager.contents` gives nil for what is not a regular file (`/dev/null`, a pipe
        // from `berth -f <(...)`), which was reported as unreadable rather than as empty (audit2).
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw single("cannot read the manifest (permission denied or not a readable file)", file: file)
        }
        defer { try? handle.close() }
        switch boundedContents(handle.fileDescriptor) {
        case .success(let bytes):
            var info = stat()
            // A regular file only: /dev/null and a pipe are writable by design.
            guard fstat(handle.fileDescriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                let reason = TextFile.othersCanChange(file, owner: info.st_uid, mode: UInt32(info.st_mode) & 0o7777)
            else { return try parse(bytes: bytes, file: file, environment: environment, accounts: accounts) }
            // Said beside whatever else the load finds (the manifest decides what berth runs; see TextFile).
            let warning = Diagnostic(
                severity: .warning, message: "'\(file)' \(reason): whoever can change it changes what berth runs",
                location: SourceLocation(file: file, line: 1, column: 1), file: file)
            do {
                var manifest = try parse(bytes: bytes, file: file, environment: environment, accounts: accounts)
                manifest.warnings.insert(warning, at: 0)
                return manifest
            } catch {
                throw ManifestError(diagnostics: [warning] + error.diagnostics)
            }
        case .failure(.tooLarge):
            throw single("the manifest is larger than \(TextFile.maximumBytes >> 20) MiB", file: file)
        case .failure:
            throw single("cannot read the manifest", file: file)
        }
    }

    /// The whole of `fd`, at most `TextFile.maximumBytes` (audit3, audit4: `-f /dev/zero` read until memory ran out,
    /// and a 27 MB manifest took 51 s and 1.6 GB before the node budget refused it). Plain read(2): Foundation's
    /// `read(upToCount:)` fails on `/dev/null` and pipes.
    static func boundedContents(_ fd: Int32) -> Result<[UInt8], TextFile.Problem> {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .failure(.unreadable(errno: errno)) }
            guard count > 0 else { return .success(bytes) }
            bytes += buffer.prefix(count)
            // A file that grows as it is read is bounded too.
            if bytes.count > TextFile.maximumBytes { return .failure(.tooLarge) }
        }
    }

    /// The largest manifest file read: real ones are a few KB; the node budget bounds what aliases make of it.
    public static var maximumBytes: Int { TextFile.maximumBytes }

    /// Loads a manifest from the bytes of a file: text that is not UTF-8 is refused at the first bad byte.
    /// Total: whatever the bytes, the result is a manifest or diagnostics (the fuzzer `manifest-fuzz` checks this).
    public static func parse(
        bytes: [UInt8],
        file: String,
        environment: [String: String],
        accounts: AccountCheck = .skip
    ) throws(ManifestError) -> Manifest {
        guard let yaml = String(validating: bytes, as: UTF8.self) else {
            let file = PathText.absolute(file, relativeTo: FileManager.default.currentDirectoryPath)
            let at = TextPosition.ofFirstInvalidUTF8(in: bytes)
            let location = SourceLocation(file: file, line: at.line, column: at.column)
            throw ManifestError(diagnostics: [
                Diagnostic(severity: .error, message: "the manifest is not valid UTF-8", location: location)
            ])
        }
        return try parse(yaml: yaml, file: file, environment: environment, accounts: accounts)
    }

    /// Loads a manifest from text; `file`'s folder is the base for relative paths, and `env_file`s are read from
    /// disk relative to it. Accounts are checked only when asked (`load` asks by default).
    public static func parse(
        yaml: String,
        file: String,
        environment: [String: String],
        accounts: AccountCheck = .skip
    ) throws(ManifestError) -> Manifest {
        let file = PathText.absolute(file, relativeTo: FileManager.default.currentDirectoryPath)
        let context = LoadContext(
            file: file, directory: PathText.directory(of: file), environment: environment,
            accounts: accounts)
        context.environment = DotEnv.values(besideManifest: file, context: context).merging(environment) { $1 }
        let manifest = ManifestSources(context: context).root(manifestText: yaml).flatMap { root in
            ManifestBuilder(context: context).build(root: context.interpolate(root))
        }
        guard let manifest, !context.hasErrors else {
            throw ManifestError(diagnostics: context.sortedDiagnostics)
        }
        return manifest
    }

    private static func single(_ message: String, file: String) -> ManifestError {
        ManifestError(diagnostics: [Diagnostic(severity: .error, message: message, location: nil, file: file)])
    }

    /// The YAML tree of one file of the load (`yaml` is its text after `firstLine - 1` blank lines, see
    /// `LoadContext.segments`), or nil after reporting a syntax error or an empty document.
    static func compose(_ yaml: String, firstLine: Int, context: LoadContext) -> Node? {
        let start = context.place(line: firstLine, column: 1)
        if let beyond = NodeBudget.positionBeyond(in: yaml) {
            context.error(
                "the manifest expands to more than \(NodeBudget.maximumNodes) YAML nodes (aliases of aliases?)",
                at: context.place(line: beyond.line, column: beyond.column))
            return nil
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            report(error, yaml: yaml, start: start, context: context)
            return nil
        } catch {
            context.error("invalid YAML: \(error)", at: start)
            return nil
        }
        guard let root, !root.isNull else {
            let what = start.file == context.file ? "the manifest" : "the included file"
            context.error("\(what) is empty", at: start)
            return nil
        }
        return root
    }

    private static func report(_ error: YamlError, yaml: String, start: SourceLocation, context: LoadContext) {
        switch error {
        case .scanner(let detail, let problem, let mark, _),
            .parser(let detail, let problem, let mark, _),
            .composer(let detail, let problem, let mark, _):
            let suffix =
                detail.map { detail in
                    let at = context.place(line: detail.mark.line, column: detail.mark.column)
                    return " (\(detail.text) at line \(at.line), column \(at.column))"
                } ?? ""
            context.error("invalid YAML: \(problem)\(suffix)", at: location(of: mark, in: yaml, context: context))
        case .duplicatedKeysInMapping(let duplicates, let detail):
            // Yams collects them in a Set: sorted, so that the message is the same on every load.
            let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            let noun = duplicates.count == 1 ? "key" : "keys"
            // Yams' mark is that of the first key after sorting the keys, which is an order only when every key is
            // a string; for other keys (`? [a]`) it may be any of them, so the file's start is reported instead.
            let stable = !duplicates.contains("<uncovertable>") && detail.mark.line >= 1 && detail.mark.column >= 1
            context.error("duplicate \(noun) \(names) in a mapping", at: stable ? context.location(detail.mark) : start)
        case .reader(let problem, let offset, _, _):
            context.error("invalid YAML: \(problem)", at: location(ofOffset: offset, in: yaml, context: context))
        default:
            context.error("invalid YAML: \(error)", at: start)
        }
    }

    /// A syntax error's mark. At the end of a text without a final line break, libyaml's mark is one line past the
    /// last (it ends the stream with an implicit break); it is reported at the end of the last line instead.
    private static func location(of mark: Mark, in yaml: String, context: LoadContext) -> SourceLocation {
        let end = TextPosition.of(byteOffset: Int.max, in: yaml)
        guard mark.line > end.line else { return context.place(line: mark.line, column: mark.column) }
        return context.place(line: end.line, column: end.column)
    }

    private static func location(ofOffset offset: Int?, in yaml: String, context: LoadContext) -> SourceLocation {
        let position = TextPosition.of(byteOffset: offset ?? 0, in: yaml)
        return context.place(line: position.line, column: position.column)
    }
}
