import BerthGatewayCore

/// Checks, for one input, the properties the gateway's framing code must keep whatever bytes arrive: no crash; the
/// same answer whether the bytes arrive at once or in pieces; and what the rewriters emit parses back to the same
/// framing (so the gateway never sends an upstream or a client something they could frame differently).
enum FuzzHarness {
    static let limits = HTTPLimits(maxHeadBytes: 2048, maxHeaderCount: 20, maxRequestLineBytes: 512)

    static func run(_ input: UnsafeRawBufferPointer) {
        checkRequest(input)
        checkResponse(input, method: input.first.map { $0 & 1 == 0 ? "GET" : "HEAD" } ?? "GET")
    }

    static func checkRequest(_ input: UnsafeRawBufferPointer) {
        let whole = Result { () throws(HTTPFramingError) in try HeadParser.parseRequest(input, limits: limits) }
        var progress = HeadScanProgress()
        var end = 0
        var step = 1
        while end < input.count {
            end = min(input.count, end + step)
            step = Int(input[end - 1] % 7) + 1
            let prefix = UnsafeRawBufferPointer(rebasing: input[0..<end])
            let part = Result { () throws(HTTPFramingError) in
                try HeadParser.parseRequest(prefix, limits: limits, progress: &progress)
            }
            switch (part, whole) {
            case (.success(nil), _): continue
            case (.success(let a?), .success(let b?)): check(a.head == b.head && a.length == b.length, "split head")
            case (.failure(let a), .failure(let b)): check(a == b, "split error \(a) vs \(b)")
            default: check(false, "split result \(part) vs \(whole)")
            }
            break
        }
        // The gateway's own path (field lines, copied as bytes) must agree with the String one, error for error and
        // byte for byte.
        var lines: [FieldLine] = []
        var linesProgress = HeadScanProgress()
        let fromLines = Result { () throws(HTTPFramingError) in
            try HeadParser.parseRequest(input, limits: limits, progress: &linesProgress, lines: &lines)
        }
        switch (whole, fromLines) {
        case (.success(nil), .success(nil)): break
        case (.success(let a?), .success(let b?)):
            var withoutFields = a.head
            withoutFields.headers = []
            check(withoutFields == b.head && a.length == b.length, "request field-line parse differs")
        case (.failure(let a), .failure(let b)): check(a == b, "request field-line parse error \(a) vs \(b)")
        default: check(false, "request field-line parse \(fromLines) vs \(whole)")
        }
        guard case .success(let parsed?) = whole else { return }
        check(parsed.length <= input.count, "length beyond input")
        if case .success(let lined?) = fromLines {
            let trust = input.count % 2 == 0
            let rewrite = RequestRewrite(
                clientAddress: "10.0.0.1", requestID: input.count % 3 == 0 ? nil : "id",
                trustForwarded: trust)
            var serialized: [UInt8] = []
            RequestRewrite.serialize(parsed.head, rewrite: rewrite, into: &serialized)
            var written: [UInt8] = []
            RequestRewrite.write(lined.head, lines: lines, in: input, rewrite: rewrite, into: &written)
            check(written == serialized, "request field-line rewrite differs from the String one")
        }
        roundTrip(parsed.head, trustForwarded: input.count % 2 == 0)
        if parsed.head.framing == .chunked {
            checkChunked(UnsafeRawBufferPointer(rebasing: input[parsed.length...]))
        }
    }

    static func roundTrip(_ head: RequestHead, trustForwarded: Bool) {
        var bytes: [UInt8] = []
        let rewrite = RequestRewrite(clientAddress: "10.0.0.1", requestID: "id", trustForwarded: trustForwarded)
        RequestRewrite.serialize(head, rewrite: rewrite, into: &bytes)
        let again = bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in try HeadParser.parseRequest(buffer, limits: HTTPLimits()) }
        }
        guard case .success(let reparsed?) = again else {
            check(false, "rewritten request does not parse: \(again) \(String(decoding: bytes, as: UTF8.self))")
            return
        }
        check(reparsed.length == bytes.count, "rewritten request length")
        check(reparsed.head.method == head.method && reparsed.head.target == head.target, "rewritten request line")
        check(reparsed.head.framing == head.framing, "rewritten framing \(reparsed.head.framing) vs \(head.framing)")
        check(reparsed.head.host == (head.host ?? "localhost"), "rewritten host")
        check(reparsed.head.keepAlive, "rewritten keep-alive")
        check(reparsed.head.upgrade == head.upgrade, "rewritten upgrade")
    }

    static func checkChunked(_ body: UnsafeRawBufferPointer) {
        var whole = ChunkedBodyScanner(limits: limits)
        let expected = Result { () throws(HTTPFramingError) in try whole.scan(body) }
        var pieces = ChunkedBodyScanner(limits: limits)
        var offset = 0
        var outcome: Result<(Int, Bool), HTTPFramingError> = .success((0, false))
        var forwarded: [UInt8] = []
        while offset < body.count {
            let end = min(body.count, offset + Int(body[offset] % 5) + 1)
            do {
                let (consumed, finished) = try pieces.scan(UnsafeRawBufferPointer(rebasing: body[offset..<end]))
                check(pieces.passThrough <= consumed, "passThrough beyond consumed")
                forwarded += body[offset..<(offset + pieces.passThrough)]
                if finished { forwarded += pieces.takeTrailerSection() }
                offset += consumed
                outcome = .success((offset, finished))
                if finished { break }
            } catch {
                outcome = .failure(error)
                break
            }
        }
        if case .success((_, true)) = outcome { checkForwardedChunked(forwarded) }
        switch (expected, outcome) {
        case (.success(let a), .success(let b)): check(a.consumed == b.0 && a.finished == b.1, "chunked split")
        case (.failure(let a), .failure(let b)): check(a == b, "chunked split error")
        default: check(false, "chunked split result \(expected) vs \(outcome)")
        }
    }

    /// What the gateway forwards of a chunked body is itself a complete chunked body, forwarded unchanged by a
    /// second pass (no forbidden trailer is left to drop).
    static func checkForwardedChunked(_ forwarded: [UInt8]) {
        var again = ChunkedBodyScanner(limits: HTTPLimits())
        forwarded.withUnsafeBytes { bytes in
            do {
                let (consumed, finished) = try again.scan(bytes)
                check(finished && consumed == forwarded.count, "forwarded chunked body does not end where it should")
                let second = Array(forwarded[0..<again.passThrough]) + again.takeTrailerSection()
                check(second == forwarded, "forwarded chunked body changes on a second pass")
            } catch {
                check(false, "forwarded chunked body refused: \(error)")
            }
        }
    }

    static func checkResponse(_ input: UnsafeRawBufferPointer, method: String) {
        let whole = Result { () throws(HTTPFramingError) in
            try HeadParser.parseResponse(input, requestMethod: method, limits: limits)
        }
        // The gateway's own path (field lines, copied as bytes) must agree with the String one, error for error and
        // byte for byte.
        var lines: [FieldLine] = []
        var progress = HeadScanProgress()
        let fromLines = Result { () throws(HTTPFramingError) in
            try HeadParser.parseResponse(
                input, requestMethod: method, limits: limits, progress: &progress, lines: &lines)
        }
        switch (whole, fromLines) {
        case (.success(nil), .success(nil)): break
        case (.success(let a?), .success(let b?)):
            var withoutFields = a.head
            withoutFields.headers = []
            check(withoutFields == b.head && a.length == b.length, "field-line parse differs")
        case (.failure(let a), .failure(let b)): check(a == b, "field-line parse error \(a) vs \(b)")
        default: check(false, "field-line parse \(fromLines) vs \(whole)")
        }
        guard case .success(let parsed?) = whole else { return }
        var bytes: [UInt8] = []
        ResponseRewrite.serialize(parsed.head, requestID: "id", keepAlive: true, into: &bytes)
        if case .success(let lined?) = fromLines {
            var written: [UInt8] = []
            ResponseRewrite.write(
                lined.head, lines: lines, in: input, requestID: "id", keepAlive: true, into: &written)
            check(written == bytes, "field-line rewrite differs from the String one")
        }
        let again = bytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPFramingError) in
                try HeadParser.parseResponse(buffer, requestMethod: method, limits: HTTPLimits())
            }
        }
        guard case .success(let reparsed?) = again else {
            check(false, "rewritten response does not parse: \(again)")
            return
        }
        check(reparsed.length == bytes.count, "rewritten response length")
        check(reparsed.head.status == parsed.head.status, "rewritten status")
        check(reparsed.head.framing == parsed.head.framing, "rewritten response framing")
        check(reparsed.head.rawReason == parsed.head.rawReason, "rewritten reason bytes")
        // Every obs-text value the client gets is one the replica sent, byte for byte (hop-by-hop fields and those
        // named in Connection are dropped, so not every one of the replica's arrives).
        for field in reparsed.head.headers where field.rawValue != nil {
            check(parsed.head.headers.contains(field), "obs-text value not forwarded unchanged")
        }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant broken: \(message())") }
    }
}
