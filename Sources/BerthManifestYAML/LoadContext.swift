public import BerthManifest
import Yams

/// The state of one manifest load: where relative paths start and the diagnostics collected so far.
final class LoadContext {
    let file: String
    let directory: String
    /// The values `${...}` read: the loading process's environment over the `.env` file's.
    var environment: [String: String]
    let accounts: AccountCheck
    private(set) var diagnostics: [Diagnostic] = []
    /// Variables of the loading environment that secret values interpolate (`Manifest.secretVariables`).
    var secretVariables: Set<String> = []
    /// Every variable a `${...}` of the manifest reads (`Manifest.referencedVariables`).
    var referencedVariables: Set<String> = []
    /// Variables that a TLS private key's path interpolates (`Manifest.keyPathVariables`).
    var keyPathVariables: Set<String> = []
    /// The lines of every file of the load (`TextPosition.lines`), one after the other, to place diagnostics
    /// inside scalars.
    var sourceLines: [[Unicode.Scalar]] = []
    /// The files of the load (the manifest, its includes, its override) and the first line each occupies in the
    /// load's line numbering: each file is parsed after as many blank lines as came before it, so that a node's
    /// mark tells which file it came from (see `place`).
    private(set) var segments: [(file: String, firstLine: Int)] = []

    init(file: String, directory: String, environment: [String: String], accounts: AccountCheck = .skip) {
        self.file = file
        self.directory = directory
        self.environment = environment
        self.accounts = accounts
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    func location(_ node: Node?) -> SourceLocation? {
        location(node?.mark)
    }

    func location(_ mark: Mark?) -> SourceLocation? {
        mark.map { place(line: $0.line, column: $0.column) }
    }

    /// Adds a file's text to the load; returns the line its first line has in the load's numbering.
    func addSource(_ file: String, text: String) -> Int {
        let first = sourceLines.count + 1
        segments.append((file: file, firstLine: first))
        sourceLines += TextPosition.lines(of: text)
        return first
    }

    /// A line of the load's numbering as a position in the file it belongs to.
    func place(line: Int, column: Int) -> SourceLocation {
        guard let segment = segments.last(where: { $0.firstLine <= line }) else {
            return SourceLocation(file: file, line: line, column: column)
        }
        return SourceLocation(file: segment.file, line: line - segment.firstLine + 1, column: column)
    }

    /// The files read, in the order they were merged (the manifest first).
    var sourceFiles: [String] { segments.map(\.file) }

    func error(_ message: String, at node: Node?) {
        report(.error, message, at: location(node))
    }

    func error(_ message: String, at location: SourceLocation?) {
        report(.error, message, at: location)
    }

    func warning(_ message: String, at location: SourceLocation?) {
        report(.warning, message, at: location)
    }

    /// A warning when someone other than the loading user or root can change `path` (see `TextFile.foreignWriter`).
    func warnIfOthersCanWrite(_ path: String, owner: UInt32, mode: UInt32, at location: SourceLocation? = nil) {
        guard let reason = TextFile.othersCanChange(path, owner: owner, mode: mode) else { return }
        warning(
            "'\(path)' \(reason): whoever can change it changes what berth runs",
            at: location ?? SourceLocation(file: path, line: 1, column: 1))
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, at location: SourceLocation?) {
        let diagnostic = Diagnostic(severity: severity, message: message, location: location, file: file)
        // A value merged from an anchor into many services is read once per service: say it once.
        guard location == nil || !diagnostics.contains(diagnostic) else { return }
        diagnostics.append(diagnostic)
    }

    /// Diagnostics ordered by file position (those without a position first), stable otherwise.
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location.map { ($0.file == file ? 0 : 1, $0.line, $0.column) } ?? (-1, 0, 0)
            let right = rhs.element.location.map { ($0.file == file ? 0 : 1, $0.line, $0.column) } ?? (-1, 0, 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
