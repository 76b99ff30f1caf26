/// Where one field line lies in the bytes a head was parsed from, with its kind: the gateway rewrites a response
/// head from these and the read buffer, copying every kept line as bytes, with no `String` per field (the parse
/// into strings and their re-serialization were a quarter of a request's instructions in the profile).
public struct FieldLine: Sendable, Equatable {
    public var kind: HTTPFieldKind
    /// The name as received (any case), as offsets into the parsed bytes.
    public var name: Range<Int>
    /// The value without the whitespace around it, as offsets into the parsed bytes.
    public var value: Range<Int>

    public init(kind: HTTPFieldKind, name: Range<Int>, value: Range<Int>) {
        self.kind = kind
        self.name = name
        self.value = value
    }
}
