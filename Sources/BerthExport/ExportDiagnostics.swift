import BerthManifest

/// Collects an exporter's diagnostics, positioned at a service key when the manifest recorded one.
struct ExportDiagnostics {
    let file: String
    private(set) var warnings: [Diagnostic] = []
    private(set) var errors: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func warning(_ message: String, at location: SourceLocation?) {
        warnings.append(Diagnostic(severity: .warning, message: message, location: location, file: file))
    }

    mutating func error(_ message: String, at location: SourceLocation?) {
        errors.append(Diagnostic(severity: .error, message: message, location: location, file: file))
    }

    /// Warnings and errors ordered by position (those without one first), stable otherwise.
    func sorted(_ list: [Diagnostic]) -> [Diagnostic] {
        list.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            let right = rhs.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    func result(files: [(name: String, contents: String)]) -> ExportResult {
        ExportResult(files: files.sorted { $0.name < $1.name }, warnings: sorted(warnings), errors: sorted(errors))
    }
}

extension ServiceSpec {
    /// Where a key of this service was written, falling back to the service's own line.
    func location(of key: String) -> SourceLocation? {
        keyLocations[key] ?? location
    }

    /// Whether the manifest spells out `key` (warnings about defaults would only be noise).
    func has(_ key: String) -> Bool {
        keyLocations[key] != nil
    }

    /// A run-once service: it is not restarted after a successful exit.
    var isJob: Bool {
        restart.policy != .always
    }
}

extension Duration {
    /// Whole seconds, rounded up (systems that count in seconds must not cut a timeout short).
    var wholeSecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }

    var isWholeSeconds: Bool {
        components.attoseconds == 0
    }
}
