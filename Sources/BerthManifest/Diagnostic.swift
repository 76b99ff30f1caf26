/// One problem found while loading a manifest, positioned like a compiler message so editors can jump to it.
public struct Diagnostic: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    /// The file the diagnostic belongs to, used when there is no precise location.
    public var file: String?

    public init(severity: Severity, message: String, location: SourceLocation?, file: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.file = file ?? location?.file
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`, or `FILE: error: MESSAGE` without a location.
    public var description: String {
        if let location {
            return "\(location.file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        }
        if let file {
            return "\(file): \(severity.rawValue): \(message)"
        }
        return "\(severity.rawValue): \(message)"
    }
}
