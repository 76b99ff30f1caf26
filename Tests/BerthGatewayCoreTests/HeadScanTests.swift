import Testing

@testable import BerthGatewayCore

/// The search for a head's end skips plain bytes a word at a time; these tests hold it to the byte-by-byte search it
/// replaced (kept below as the oracle): the same end, the same error at the same point, for whole heads and for
/// heads arriving in pieces, with the bytes that matter (CR, LF, NUL, bytes just below and above 0x0E, obs-text)
/// at every offset of a word and every limit crossed.
@Suite("Head scan")
struct HeadScanTests {
    @Test func agreesWithTheByteByByteSearchOnRandomHeads() {
        var random = TestRandom(seed: 0x5eed)
        let alphabet: [UInt8] =
            Array("GET / HTTP/1.1 Host: a.b\tx".utf8) + [0x0D, 0x0A, 0x00, 0x0B, 0x0D, 0x0E, 0x80, 0xFF]
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            let length = random.below(120)
            while bytes.count < length {
                // Mostly well-formed lines, so that heads end often; sometimes a stray byte of the alphabet.
                switch random.below(6) {
                case 0: bytes.append(alphabet[random.below(alphabet.count)])
                case 1: bytes += [0x0D, 0x0A]
                default: bytes += Array("abcdefghijklmnop: q".utf8.prefix(1 + random.below(19)))
                }
            }
            let limits = HTTPLimits(
                maxHeadBytes: 8 + random.below(120), maxHeaderCount: 1 + random.below(6),
                maxRequestLineBytes: 1 + random.below(40))
            let isRequest = round % 2 == 0
            let expected = Self.reference(bytes, limits: limits, isRequest: isRequest)
            #expect(Self.scan(bytes, limits: limits, isRequest: isRequest) == expected, "\(bytes) \(limits)")
            // In pieces: every call resumes where the previous one stopped.
            let split = random.below(bytes.count + 1)
            #expect(
                Self.scan(bytes, limits: limits, isRequest: isRequest, splitAt: split) == expected,
                "\(bytes) split at \(split) \(limits)")
        }
    }

    @Test func findsTheEndOfAHeadAtEveryAlignment() {
        for padding in 0..<17 {
            let text = "GET /" + String(repeating: "a", count: padding) + " HTTP/1.1\r\nHost: x\r\n\r\nBODY"
            let bytes = Array(text.utf8)
            #expect(Self.scan(bytes, limits: HTTPLimits(), isRequest: true) == .end(bytes.count - 4))
            for split in 0...bytes.count {
                #expect(
                    Self.scan(bytes, limits: HTTPLimits(), isRequest: true, splitAt: split) == .end(bytes.count - 4))
            }
        }
    }

    @Test func refusesANulOrBareLineEndAtEveryAlignment() {
        for position in 0..<24 {
            for (byte, error) in [(0x00 as UInt8, "NUL in head"), (0x0A, "bare LF in head"), (0x0D, "bare CR in head")]
            {
                var bytes = Array("GET /abcdefghijklmnopqrstuvwxyz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                guard bytes[position] != 0x0D, bytes[position] != 0x0A else { continue }
                bytes[position] = byte
                #expect(
                    Self.scan(bytes, limits: HTTPLimits(), isRequest: true) == .error(.badRequest(error)),
                    "byte \(byte) at \(position)")
            }
        }
    }

    /// Field values are checked a word at a time too: every byte value, at every offset of a word, is refused or
    /// kept as the byte-by-byte rule says (controls but HTAB, and DEL refused; obs-text kept in responses).
    @Test func fieldValueBytesAreCheckedAtEveryAlignment() throws {
        for padding in 0..<17 {
            for value in 0...255 {
                let byte = UInt8(value)
                guard byte != 0x0D, byte != 0x0A else { continue }
                let prefix =
                    Array("HTTP/1.1 200 OK\r\nX-A: ".utf8) + Array(repeating: UInt8(ascii: "v"), count: padding)
                let bytes = prefix + [byte] + Array("tail\r\nContent-Length: 0\r\n\r\n".utf8)
                let parsed = bytes.withUnsafeBytes { buffer in
                    Result { () throws(HTTPFramingError) in
                        var progress = HeadScanProgress()
                        var lines: [FieldLine] = []
                        return try HeadParser.parseResponse(
                            buffer, requestMethod: "GET", limits: HTTPLimits(), progress: &progress, lines: &lines
                        )?.length
                    }
                }
                if byte == 0 {
                    #expect(parsed == .failure(.badRequest("NUL in head")))
                } else if ASCII.isFieldValueByte(byte) {
                    #expect(parsed == .success(bytes.count), "byte \(byte) after \(padding)")
                } else {
                    #expect(
                        parsed == .failure(.badRequest("control character in field value")),
                        "byte \(byte) after \(padding)")
                }
            }
        }
    }

    @Test func fieldNameBytesAreCheckedAsBefore() {
        for value in 0...255 {
            #expect(ASCII.isTCharFast(UInt8(value)) == ASCII.isTChar(UInt8(value)), "byte \(value)")
        }
    }

    @Test func hostBytesAreCheckedAsBefore() {
        for value in 0...255 {
            #expect(ASCII.isHostByteFast(UInt8(value)) == HeadParser.isHostByte(UInt8(value)), "byte \(value)")
        }
    }

    enum Outcome: Equatable {
        case needMore
        case end(Int)
        case error(HTTPFramingError)
    }

    static func scan(_ bytes: [UInt8], limits: HTTPLimits, isRequest: Bool, splitAt split: Int? = nil) -> Outcome {
        var progress = HeadScanProgress()
        return bytes.withUnsafeBytes { buffer in
            do throws(HTTPFramingError) {
                if let split {
                    let first = try HeadParser.scanHead(
                        UnsafeRawBufferPointer(rebasing: buffer[..<split]), limits: limits, isRequest: isRequest,
                        progress: &progress)
                    if let first { return .end(first) }
                }
                guard
                    let end = try HeadParser.scanHead(buffer, limits: limits, isRequest: isRequest, progress: &progress)
                else { return .needMore }
                return .end(end)
            } catch {
                return .error(error)
            }
        }
    }

    /// The byte-by-byte search as it was before the word-at-a-time skip.
    static func reference(_ bytes: [UInt8], limits: HTTPLimits, isRequest: Bool) -> Outcome {
        var index = 0
        var lineStart = 0
        var startLineSeen = false
        var fieldLines = 0
        let count = bytes.count
        while index < count {
            if index >= limits.maxHeadBytes { return .error(.headTooLarge) }
            let byte = bytes[index]
            if byte == 0x0D {
                guard index + 1 < count else { return .needMore }
                guard bytes[index + 1] == 0x0A else { return .error(.badRequest("bare CR in head")) }
                if index + 2 > limits.maxHeadBytes { return .error(.headTooLarge) }
                let lineLength = index - lineStart
                if !startLineSeen {
                    if lineLength == 0 {
                        guard isRequest else { return .error(.badRequest("empty status line")) }
                    } else {
                        startLineSeen = true
                    }
                } else if lineLength == 0 {
                    return .end(index + 2)
                } else {
                    fieldLines += 1
                    if fieldLines > limits.maxHeaderCount { return .error(.headTooLarge) }
                }
                index += 2
                lineStart = index
                continue
            }
            if byte == 0x0A { return .error(.badRequest("bare LF in head")) }
            if byte == 0 { return .error(.badRequest("NUL in head")) }
            if !startLineSeen && index - lineStart >= limits.maxRequestLineBytes {
                return .error(isRequest ? .uriTooLong : .headTooLarge)
            }
            index += 1
        }
        return .needMore
    }
}

/// A small deterministic generator for the tests' random inputs (the same cases on every run).
struct TestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func below(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }
}
