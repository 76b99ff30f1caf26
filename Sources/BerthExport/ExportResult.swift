public import BerthManifest

/// What an export produced: the files to write (relative paths, in a stable order) and what could not be
/// expressed (warnings) or blocks the export (errors), each positioned at the manifest line it concerns.
public struct ExportResult: Sendable {
    /// Relative paths (which may contain `/` for drop-in folders) and their contents, sorted by name.
    public var files: [(name: String, contents: String)]
    public var warnings: [Diagnostic]
    public var errors: [Diagnostic]
    /// Files holding secret values (systemd's `EnvironmentFile`s): written with mode 0600, never to stdout.
    public var privateFiles: Set<String> = []

    public init(files: [(name: String, contents: String)], warnings: [Diagnostic], errors: [Diagnostic]) {
        self.files = files
        self.warnings = warnings
        self.errors = errors
    }

    /// The contents of the file `name`, if it was produced.
    public func contents(of name: String) -> String? {
        files.first { $0.name == name }?.contents
    }
}
