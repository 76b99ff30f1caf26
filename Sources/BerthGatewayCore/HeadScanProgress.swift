/// How far the search for the end of a head got in bytes that are still accumulating, so that a client trickling a
/// head byte by byte costs linear, not quadratic, work.
///
/// Pass the same value to successive `HeadParser` calls over a buffer that only grows at its end; start over with a
/// fresh value once a head was returned or the buffer was discarded.
public struct HeadScanProgress: Sendable, Equatable {
    /// Bytes already checked for bare CR, bare LF and NUL.
    var offset = 0
    /// Start of the line being scanned.
    var lineStart = 0
    /// Start of the start line (after leading empty lines of a request).
    var headStart = 0
    var startLineSeen = false
    /// Complete field lines seen.
    var fieldLines = 0

    public init() {}
}

extension HeadParser {
    /// Where the head ends (the index after its final CRLF), or nil when more bytes are needed.
    ///
    /// Rejects, in byte order so that any split of the input gives the same error: bare CR, bare LF, NUL, a start
    /// line longer than the limit, more field lines or head bytes than allowed.
    static func scanHead(
        _ bytes: UnsafeRawBufferPointer,
        limits: HTTPLimits,
        isRequest: Bool,
        progress: inout HeadScanProgress
    ) throws(HTTPFramingError) -> Int? {
        var index = progress.offset
        defer { progress.offset = index }
        let count = bytes.count
        while index < count {
            if index >= limits.maxHeadBytes { throw .headTooLarge }
            let byte = bytes[index]
            if byte == ASCII.cr {
                guard index + 1 < count else { return nil }
                guard bytes[index + 1] == ASCII.lf else { throw .badRequest("bare CR in head") }
                if index + 2 > limits.maxHeadBytes { throw .headTooLarge }
                let lineLength = index - progress.lineStart
                if !progress.startLineSeen {
                    if lineLength == 0 {
                        // RFC 9112 §2.2: ignore empty lines before a request line (they follow a body at times).
                        guard isRequest else { throw .badRequest("empty status line") }
                        progress.headStart = index + 2
                    } else {
                        progress.startLineSeen = true
                    }
                } else if lineLength == 0 {
                    index += 2
                    return index
                } else {
                    progress.fieldLines += 1
                    if progress.fieldLines > limits.maxHeaderCount { throw .headTooLarge }
                }
                index += 2
                progress.lineStart = index
                continue
            }
            if byte == ASCII.lf { throw .badRequest("bare LF in head") }
            if byte == 0 { throw .badRequest("NUL in head") }
            if !progress.startLineSeen && index - progress.lineStart >= limits.maxRequestLineBytes {
                throw isRequest ? .uriTooLong : .headTooLarge
            }
            index += 1
        }
        return nil
    }
}
