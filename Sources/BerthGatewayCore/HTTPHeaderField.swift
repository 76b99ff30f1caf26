/// One header field as received: the name keeps its case, the value has no leading or trailing whitespace.
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeaderField {
    /// The values of every field with this name (compared case-insensitively; pass `name` in lower case).
    public func values(named name: String) -> [String] {
        compactMap { $0.name.lowercasedASCII() == name ? $0.value : nil }
    }

    /// The value of the first field with this name (pass `name` in lower case).
    public func first(named name: String) -> String? {
        first { $0.name.lowercasedASCII() == name }?.value
    }
}
