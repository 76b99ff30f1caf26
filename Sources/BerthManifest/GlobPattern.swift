/// A path pattern of a build's `inputs`: `*` matches within one path component, `?` one character, and a
/// component `**` any number of components (including none). Matching is on `/`-separated relative paths.
public struct GlobPattern: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Why a pattern is refused.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case absolute
        case partialDoubleStar
        case parentReference

        public var description: String {
            switch self {
            case .empty: "a pattern must not be empty"
            case .absolute: "a pattern must be relative to the build's workdir"
            case .partialDoubleStar: "'**' must be a whole path component (as in 'Sources/**/*.swift')"
            case .parentReference: "a pattern must not contain '..'"
            }
        }
    }

    public let text: String
    let components: [Substring]

    public init(_ text: String) throws(Problem) {
        guard !text.isEmpty else { throw .empty }
        guard !text.hasPrefix("/") else { throw .absolute }
        let components = text.split(separator: "/").filter { $0 != "." }
        guard !components.isEmpty else { throw .empty }
        for component in components {
            if component == ".." { throw .parentReference }
            if component != "**", component.contains("**") { throw .partialDoubleStar }
        }
        self.text = text
        self.components = components
    }

    public var description: String { text }

    /// The fixed folder the pattern starts with (`Sources/App` for `Sources/App/**/*.swift`; empty for `*.swift`
    /// and for `Package.swift`): only files below it can match, so a scan starts there.
    public var root: String {
        components.dropLast().prefix { !$0.contains("*") && !$0.contains("?") }.joined(separator: "/")
    }

    /// Whether the whole pattern has no wildcard (it names one file or folder).
    public var isLiteral: Bool { !text.contains("*") && !text.contains("?") }

    /// Whether `path` (relative, `/`-separated) matches. A literal pattern naming a folder matches what is in it.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        if isLiteral {
            return parts.count >= components.count && zip(parts, components).allSatisfy { $0 == $1 }
        }
        return Self.match(components[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            var rest = path
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let first = path.first, matchComponent(Array(head.utf8)[...], Array(first.utf8)[...]) else {
            return false
        }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchComponent(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard let head = pattern.first else { return name.isEmpty }
        switch head {
        case UInt8(ascii: "*"):
            var rest = name
            while true {
                if matchComponent(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !name.isEmpty && matchComponent(pattern.dropFirst(), name.dropFirst())
        default:
            return name.first == head && matchComponent(pattern.dropFirst(), name.dropFirst())
        }
    }
}
