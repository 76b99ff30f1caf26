import NIOHPACK

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
    /// malformed (values that differ, or not a number).
    init?(_ headers: HPACKHeaders, requestMethod: String? = nil) {
        if let requestMethod {
            if requestMethod == "HEAD" || headers.first(name: ":status") == "304" {
                self.remaining = 0
                return
            }
        }
        var announced: Substring?
        for (name, value, _) in headers where name == "content-length" {
            // A field may list the value more than once (`5, 5`): every element must be the same.
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = element.trimmingSpaces
                if let announced, announced != trimmed { return nil }
                announced = trimmed
            }
        }
        guard let announced else {
            self.remaining = nil
            return
        }
        guard !announced.isEmpty, announced.utf8.count <= 18, announced.utf8.allSatisfy({ $0 &- 0x30 < 10 }),
            let length = Int(announced)
        else { return nil }
        self.remaining = length
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

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
