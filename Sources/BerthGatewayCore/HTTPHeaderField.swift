/// One header field as received: the name keeps its case, the value has no leading or trailing whitespace.
public struct HTTPHeaderField: Sendable, Equatable {
    public private(set) var name: String
    public var value: String
    /// What the gateway makes of the name, derived from it.
    public private(set) var kind: HTTPFieldKind
    /// The value's bytes as received when they are not UTF-8 (obs-text, e.g. Latin-1 from a WSGI server): they are
    /// forwarded unchanged, while `value` holds them read as Latin-1. Nil for UTF-8 values (nearly all).
    public internal(set) var rawValue: [UInt8]?

    public init(name: String, value: String) {
        self.init(name: name, value: value, kind: HTTPFieldKind.of(name))
    }

    init(name: String, value: String, kind: HTTPFieldKind) {
        self.name = name
        self.value = value
        self.kind = kind
    }
}

extension Array where Element == HTTPHeaderField {
    /// The values of every field with this name (compared case-insensitively; pass `name` in lower case).
    public func values(named name: String) -> [String] {
        compactMap { $0.name.equalsIgnoringASCIICase(name) ? $0.value : nil }
    }

    /// The value of the first field with this name (pass `name` in lower case).
    public func first(named name: String) -> String? {
        first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// The value of the first field of this kind.
    public func first(_ kind: HTTPFieldKind) -> String? {
        first { $0.kind == kind }?.value
    }
}
