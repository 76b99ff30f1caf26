/// Walks a chunked body WITHOUT decoding it (the bytes are forwarded unchanged), validating sizes, CRLFs, extensions
/// and trailers, and says where the body ends.
///
/// Bounded: a chunk-size line (size and extensions) may take at most `maxSizeLineBytes`, the trailer section at most
/// `limits.maxHeadBytes` and `limits.maxHeaderCount` fields. Strict: whitespace only where RFC 9112 §7.1.1 allows
/// it (around `;` and `=` of an extension), no bare CR or LF, no obs-fold in trailers.
///
/// The trailer section is the one part not forwarded as it is: fields that must not be sent as trailers (framing,
/// routing, authentication, controls, content metadata: RFC 9110 §6.5.1, see `TrailerFilter`) are dropped, because a
/// recipient that merges trailers into the header section would otherwise let them override what the gateway
/// checked. Of the bytes a `scan` consumed, the first `passThrough` are forwarded unchanged; the rest belong to the
/// trailer section, whose kept fields `takeTrailerSection()` returns once the body has ended.
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
    /// The trailer field line being read, and the kept field lines (with CRLF) so far.
    var trailerLine: [UInt8] = []
    var keptTrailers: [UInt8] = []
    /// Of the bytes the last `scan` consumed, how many are forwarded unchanged (the rest are trailer bytes).
    public private(set) var passThrough = 0

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
        var trailerStart: Int?
        defer { passThrough = trailerStart ?? index }
        while index < count {
            switch state {
            case .finished:
                return (index, true)
            case .data:
                let take = min(remaining, count - index)
                remaining -= take
                index += take
                if remaining == 0 { state = .dataCR }
            case .trailerLineStart, .trailerName, .trailerValue, .trailerLF:
                if trailerStart == nil { trailerStart = index }
                try step(bytes[index])
                index += 1
            default:
                try step(bytes[index])
                index += 1
            }
        }
        return (index, state == .finished)
    }

    /// The trailer section to forward in place of the one received, once the body has ended: the allowed trailer
    /// fields and the final CRLF. Returns it once; empty before the end.
    public mutating func takeTrailerSection() -> [UInt8] {
        guard state == .finished else { return [] }
        var section = keptTrailers
        keptTrailers = []
        section.append(ASCII.cr)
        section.append(ASCII.lf)
        return section
    }
}
