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
    /// The diagnostics with a position reported so far, to say each once in constant time: an anchor merged into
    /// many services can produce thousands, and a linear search per report made such a load quadratic (a
    /// 2.3 KB manifest took 2.2 s, over 10 s under the fuzzer's sanitizer).
    private var reported: Set<Diagnostic> = []
    /// Whether any error was reported, listed or not.
    private(set) var hasErrors = false
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
    /// False while no file of the load has a `$`, or a `\` that a double-quoted scalar could make one with
    /// (`"\x24"`): then interpolation has nothing to do, and the expanded tree (up to `NodeBudget.maximumNodes`
    /// nodes) is not walked for it.
    private(set) var mayInterpolate = false

    init(file: String, directory: String, environment: [String: String], accounts: AccountCheck = .skip) {
        self.file = file
        self.directory = directory
        self.environment = environment
        self.accounts = accounts
    }

    func location(_ node: Node?) -> SourceLocation? {
        location(node?.mark)
    }

    func location(_ mark: Mark?) -> SourceLocation? {
        mark.map { place(line: $0.line, column: $0.column) }
    }

    /// Adds a file's text to the load; returns the line its first line has in the load's numbering.
    func addSource(_ file: String, text: String) -> Int {
        if !mayInterpolate {
            mayInterpolate = text.utf8.contains { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "\\") }
        }
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

    /// `text`, or nil with an error at `node` when it holds a control character (see `ControlCharacters`).
    func visible(_ text: String, key: String, at node: Node?) -> String? {
        guard let problem = ControlCharacters.problem(in: text, key: key) else { return text }
        error(problem, at: node)
        return nil
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

    /// The most diagnostics one load lists. A manifest this wrong is fixed from its first problems, and a few KB of
    /// anchors merged into many services can describe tens of thousands of them (each with a "did you mean"
    /// search): past this, the load stops listing and says so once, where the first unlisted problem is.
    static let maximumDiagnostics = 100

    /// True once the load has stopped listing diagnostics: callers may skip work that only makes a message.
    var isFull: Bool { diagnostics.count >= Self.maximumDiagnostics }

    /// `; did you mean 'X'?` or nothing; nothing once the load has stopped listing, where the message is dropped.
    func hint(for word: String, among candidates: @autoclosure () -> [String]) -> String {
        isFull ? "" : EditDistance.hint(for: word, among: candidates())
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, at location: SourceLocation?) {
        guard diagnostics.count <= Self.maximumDiagnostics else {
            // Past the note, only whether it is an error still matters: no hash per report for what is not listed.
            if severity == .error { hasErrors = true }
            return overflow(severity, at: location)
        }
        let diagnostic = Diagnostic(severity: severity, message: message, location: location, file: file)
        // A value merged from an anchor into many services is read once per service: say it once.
        if location != nil {
            guard reported.insert(diagnostic).inserted else { return }
        }
        if severity == .error { hasErrors = true }
        guard diagnostics.count < Self.maximumDiagnostics else { return overflow(severity, at: location) }
        diagnostics.append(diagnostic)
    }

    /// The one diagnostic that stands for every unlisted one: an error as soon as any of them is, so that a
    /// failed load always shows an error.
    private func overflow(_ severity: Diagnostic.Severity, at location: SourceLocation?) {
        let message =
            "berth lists at most \(Self.maximumDiagnostics) problems and found more (the first unlisted one is here): "
            + "fix these and load again"
        if diagnostics.count == Self.maximumDiagnostics {
            diagnostics.append(Diagnostic(severity: severity, message: message, location: location, file: file))
        } else if severity == .error, diagnostics[Self.maximumDiagnostics].severity != .error {
            let note = diagnostics[Self.maximumDiagnostics]
            diagnostics[Self.maximumDiagnostics] = Diagnostic(
                severity: .error, message: note.message, location: note.location, file: file)
        }
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
