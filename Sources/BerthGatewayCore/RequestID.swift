/// A request's id as the gateway keeps it: a generated one as its 64-bit value, written as 16 lower-case hex digits
/// only where it goes (the heads, the access log), or a client's plain `X-Request-Id` as received. A generated id
/// as a `String` was an allocation per request (16 bytes do not fit a small string) and a string to retain and
/// release wherever it went.
public enum RequestID: Sendable, Equatable, ExpressibleByStringLiteral {
    case generated(UInt64)
    /// A client's id, already checked plain (`RequestIDCheck`), or any text (tests, messages).
    case text(String)

    public init(stringLiteral value: String) {
        self = .text(value)
    }

    /// Its text, for what needs a `String` (error responses, the HTTP/2 side).
    public var text: String {
        switch self {
        case .generated(let value):
            String(unsafeUninitializedCapacity: 16) { buffer in
                Self.writeHex(value, into: UnsafeMutableRawBufferPointer(buffer))
                return 16
            }
        case .text(let text):
            text
        }
    }

    /// Its length in bytes.
    public var utf8Count: Int {
        switch self {
        case .generated: 16
        case .text(let text): text.utf8.count
        }
    }

    /// Calls `body` with its bytes (a generated id's digits on the stack: no `String` made).
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch self {
        case .generated(let value):
            var digits: (UInt64, UInt64) = (0, 0)
            return withUnsafeMutableBytes(of: &digits) { storage in
                Self.writeHex(value, into: storage)
                return body(UnsafeRawBufferPointer(storage))
            }
        case .text(var text):
            return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// The 16 lower-case hex digits of `value`, most significant first, into the first 16 bytes of `storage`.
    static func writeHex(_ value: UInt64, into storage: UnsafeMutableRawBufferPointer) {
        for position in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * position)) & 0xF
            storage[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
        }
    }
}
