import BerthGatewayCore
import Testing

/// Helpers that run the parsers over string literals.
enum TestBytes {
    static func request(
        _ text: String,
        limits: HTTPLimits = HTTPLimits()
    ) throws(HTTPFramingError) -> (head: RequestHead, length: Int)? {
        let bytes = Array(text.utf8)
        return try request(bytes, limits: limits)
    }

    /// Parses through both paths, the String fields' and the gateway's field lines', and expects them to agree:
    /// the same head (but for the fields), the same length, the same error.
    static func request(
        _ bytes: [UInt8],
        limits: HTTPLimits = HTTPLimits()
    ) throws(HTTPFramingError) -> (head: RequestHead, length: Int)? {
        let parsed = bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in try HeadParser.parseRequest(buffer, limits: limits) }
        }
        switch (parsed, requestLines(bytes, limits: limits)) {
        case (.success(nil), .success(nil)): break
        case (.success(let a?), .success(let b?)):
            var withoutFields = a.head
            withoutFields.headers = []
            #expect(withoutFields == b.head && a.length == b.length, "field-line parse differs")
        case (.failure(let a), .failure(let b)): #expect(a == b, "field-line parse error")
        case (let a, let b): Issue.record("field-line parse \(b) vs \(a)")
        }
        return try parsed.get()
    }

    /// Parses `bytes` as a request head into field lines (the gateway's path): the head, its length and its lines.
    static func requestLines(
        _ bytes: [UInt8],
        limits: HTTPLimits = HTTPLimits()
    ) -> Result<(head: RequestHead, length: Int, lines: [FieldLine])?, HTTPFramingError> {
        bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in
                var progress = HeadScanProgress()
                var lines: [FieldLine] = []
                let parsed = try HeadParser.parseRequest(buffer, limits: limits, progress: &progress, lines: &lines)
                return parsed.map { ($0.head, $0.length, lines) }
            }
        }
    }

    static func response(
        _ text: String,
        method: String = "GET",
        limits: HTTPLimits = HTTPLimits()
    ) throws(HTTPFramingError) -> (head: ResponseHead, length: Int)? {
        try Array(text.utf8).withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in
                try HeadParser.parseResponse(buffer, requestMethod: method, limits: limits)
            }
        }.get()
    }

    /// Parses `text` as a response head into field lines (the gateway's path): the head and its lines.
    static func responseLines(
        _ text: String,
        method: String = "GET",
        limits: HTTPLimits = HTTPLimits()
    ) throws(HTTPFramingError) -> (head: ResponseHead, lines: [FieldLine])? {
        try Array(text.utf8).withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in
                var progress = HeadScanProgress()
                var lines: [FieldLine] = []
                let parsed = try HeadParser.parseResponse(
                    buffer, requestMethod: method, limits: limits, progress: &progress, lines: &lines)
                return parsed.map { ($0.head, lines) }
            }
        }.get()
    }

    /// The error parsing `text` as a request throws, or nil when it does not throw.
    static func requestError(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPFramingError? {
        do {
            _ = try request(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    static func requestError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPFramingError? {
        do {
            _ = try request(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    static func responseError(_ text: String, method: String = "GET") -> HTTPFramingError? {
        do {
            _ = try response(text, method: method)
            return nil
        } catch {
            return error
        }
    }

    /// Scans `text` as a chunked body in one piece.
    static func chunked(_ text: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPFramingError) -> (Int, Bool) {
        var scanner = ChunkedBodyScanner(limits: limits)
        let result = try scan(&scanner, Array(text.utf8))
        return (result.consumed, result.finished)
    }

    static func chunkedError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPFramingError? {
        do {
            _ = try chunked(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    /// Feeds `bytes` to `scanner`.
    static func scan(
        _ scanner: inout ChunkedBodyScanner,
        _ bytes: [UInt8]
    ) throws(HTTPFramingError) -> (consumed: Int, finished: Bool) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in try scanner.scan(buffer) }
        }.get()
    }
}
