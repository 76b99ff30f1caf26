/// Every problem of a manifest that could not be loaded, collected in one pass so the user can fix them all at once.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    /// Errors and warnings, ordered by position in the file.
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Only the diagnostics with severity `error`.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// One line per diagnostic.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
