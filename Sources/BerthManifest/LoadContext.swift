import Yams

/// The state of one manifest load: where relative paths start and the diagnostics collected so far.
final class LoadContext {
    let file: String
    let directory: String
    let environment: [String: String]
    let accounts: AccountCheck
    private(set) var diagnostics: [Diagnostic] = []
    /// Variables of the loading environment that secret values interpolate (`Manifest.secretVariables`).
    var secretVariables: Set<String> = []
    /// Variables that a TLS private key's path interpolates (`Manifest.keyPathVariables`).
    var keyPathVariables: Set<String> = []
    /// The manifest's lines (`TextPosition.lines`), to place diagnostics inside scalars.
    var sourceLines: [[Unicode.Scalar]] = []

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
        mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    func error(_ message: String, at node: Node?) {
        report(.error, message, at: location(node))
    }

    func error(_ message: String, at location: SourceLocation?) {
        report(.error, message, at: location)
    }

    func warning(_ message: String, at location: SourceLocation?) {
        report(.warning, message, at: location)
    }

    func report(_ severity: Diagnostic.Severity, _ message: String, at location: SourceLocation?) {
        diagnostics.append(Diagnostic(severity: severity, message: message, location: location, file: file))
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
