/// A message's `content-length` against the DATA that carries its body (RFC 9113 § 8.1.1: a mismatch makes the
/// message malformed), with swift-nio-http2's rules (`ContentLengthVerifier`): several fields must agree, a value
/// is decimal digits, a response to HEAD and a 304 have no body. nil `remaining`: no length announced, nothing to
/// check.
struct HTTP2ContentLength: Equatable {
    private(set) var remaining: Int?

    init(remaining: Int?) {
        self.remaining = remaining
    }

    /// The length a block announces (a request's, or a response's to `requestMethod`); nil when the fields are
    /// malformed (values that differ, or not a number). Reads the block for its fields; the codec's state has them
    /// from `HTTP2HeaderCheck.inspect`'s pass already (`init(_:status:requestMethod:)`).
    init?(_ headers: HTTP2Fields, requestMethod: String? = nil) {
        var announced = Announced.none
        for (name, value, _) in headers where name == "content-length" { announced.add(value) }
        self.init(
            announced, status: requestMethod == nil ? nil : headers.first(name: ":status"), requestMethod: requestMethod
        )
    }

    /// The length the `content-length` fields announced, for a request (no `requestMethod`) or a response with
    /// `status` to a request with `requestMethod`; nil when they are malformed.
    init?(_ announced: Announced, status: String?, requestMethod: String?) {
        if let requestMethod {
            self.init(response: announced, status: status, toHEAD: requestMethod == "HEAD")
            return
        }
        self.init(announced)
    }

    /// A response's length, with `status`, to a HEAD request or another: a HEAD's response and a 304 have no body.
    init?(response announced: Announced, status: String?, toHEAD: Bool) {
        if toHEAD || status == "304" {
            self.init(remaining: 0)
        } else {
            self.init(announced)
        }
    }

    private init?(_ announced: Announced) {
        switch announced {
        case .none: self.remaining = nil
        case .length(let length, _): self.remaining = length
        case .malformed: return nil
        }
    }

    /// `bytes` more of the body arrived; false when that is more than announced.
    mutating func received(_ bytes: Int) -> Bool {
        guard let remaining else { return true }
        guard bytes <= remaining else { return false }
        self.remaining = remaining - bytes
        return true
    }

    /// Whether the body may end here (all of the announced length arrived).
    var mayEnd: Bool { remaining == nil || remaining == 0 }
}

extension HTTP2ContentLength {
    /// The `content-length` fields of a block, read one value at a time: a value may list the length more than once
    /// (`5, 5`), and every element of every field must be the same text. Read as bytes in one pass (the first
    /// version split each value into trimmed `Substring`s: ~1.6k instructions per block in bench/h2-profile.sh).
    enum Announced: Equatable {
        case none
        /// The length, and how many digits spelled it (the same number with other leading zeros is another text).
        case length(Int, digits: Int)
        /// Elements that differ, or one that is not 1 to 18 decimal digits between spaces and tabs.
        case malformed

        mutating func add(_ value: String) {
            var value = value
            value.withUTF8 { add($0) }
        }

        mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard self != .malformed else { return }
            let before = self
            self = {
                var result = before
                var start = 0
                while true {
                    var end = start
                    while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
                    let next = end + 1
                    // Spaces and tabs around an element do not count.
                    var first = start
                    while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
                    while end > first, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
                    let digits = end - first
                    guard digits > 0, digits <= 18 else { return .malformed }
                    var length = 0
                    for index in first..<end {
                        let digit = bytes[index] &- 0x30
                        guard digit < 10 else { return .malformed }
                        length = length * 10 + Int(digit)
                    }
                    switch result {
                    case .none: result = .length(length, digits: digits)
                    case .length(let known, let knownDigits):
                        guard known == length, knownDigits == digits else { return .malformed }
                    case .malformed: return .malformed
                    }
                    guard next <= bytes.count else { return result }
                    start = next
                }
            }()
        }
    }
}
