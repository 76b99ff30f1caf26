/// Walks a chunked body WITHOUT decoding it (the bytes are forwarded unchanged), validating sizes, CRLFs, extensions
/// and trailers, and says where the body ends.
///
/// Bounded: a chunk-size line (size and extensions) may take at most `maxSizeLineBytes`, the trailer section at most
/// `limits.maxHeadBytes` and `limits.maxHeaderCount` fields. Strict: whitespace only where RFC 9112 §7.1.1 allows
/// it (around `;` and `=` of an extension), no bare CR or LF, no obs-fold in trailers.
public struct ChunkedBodyScanner: Sendable, Equatable {
    /// The most bytes of a chunk-size line, without its CRLF.
    public static let maxSizeLineBytes = 4 * 1024

    enum State: Sendable, Equatable {
        case size
        case sizeWhitespace
        case extensionBeforeName
        case extensionName
        case extensionAfterName
        case extensionBeforeValue
        case extensionToken
        case extensionQuoted
        case extensionEscape
        case extensionClosedQuote
        case extensionAfterValue
        case sizeLF
        case data
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerName
        case trailerValue
        case trailerLF(emptyLine: Bool)
        case finished
    }

    let limits: HTTPLimits
    var state = State.size
    var sizeDigits = 0
    /// The size being read, then the data bytes still to come.
    var remaining = 0
    var lineBytes = 0
    var trailerBytes = 0
    var trailerFields = 0

    public init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Whether the final CRLF of the body has been seen.
    public var isFinished: Bool { state == .finished }

    /// Consumes up to `bytes.count` bytes; returns how many belong to the body (fewer than offered only once the body
    /// ends) and whether it ended. After the end, returns `(0, true)`.
    public mutating func scan(
        _ bytes: UnsafeRawBufferPointer
    ) throws(HTTPFramingError) -> (consumed: Int, finished: Bool) {
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .finished:
                return (index, true)
            case .data:
                let take = min(remaining, count - index)
                remaining -= take
                index += take
                if remaining == 0 { state = .dataCR }
            default:
                try step(bytes[index])
                index += 1
            }
        }
        return (index, state == .finished)
    }
}
