import BerthGatewayCore
import BerthTestSupport
import Testing

/// Every case of `HostileRequest.all` (the table in docs/hostile-input.md) against the parser alone: the head (or the
/// chunked body) is refused with the case's status, whether the bytes arrive at once or one by one.
@Suite struct HostileRequestTableTests {
    @Test(arguments: HostileRequest.all)
    func isRefusedByTheParser(_ hostile: HostileRequest) throws {
        switch hostile.stage {
        case .head:
            let error = try #require(TestBytes.requestError(hostile.bytes), "\(hostile.name) was accepted")
            #expect(error.status == hostile.status, "\(hostile.name): \(error)")
            #expect(Self.byteByByteError(hostile.bytes) == error, "\(hostile.name) split differently")
        case .chunkedBody:
            let parsed = try #require(try TestBytes.request(hostile.bytes), "\(hostile.name): head incomplete")
            #expect(parsed.head.framing == .chunked)
            let body = Array(hostile.bytes[parsed.length...])
            var scanner = ChunkedBodyScanner(limits: HTTPLimits())
            let result = body.withUnsafeBytes { bytes in
                Result { () throws(HTTPFramingError) in try scanner.scan(bytes) }
            }
            guard case .failure(let error) = result else {
                Issue.record("\(hostile.name): the chunked body was accepted: \(result)")
                return
            }
            #expect(error.status == hostile.status, "\(hostile.name): \(error)")
        }
    }

    /// The error when the head arrives one byte at a time (nil when it is accepted).
    static func byteByByteError(_ bytes: [UInt8]) -> HTTPFramingError? {
        var progress = HeadScanProgress()
        for end in 1...bytes.count {
            let result = Array(bytes[0..<end]).withUnsafeBytes { prefix in
                Result { () throws(HTTPFramingError) in
                    try HeadParser.parseRequest(prefix, limits: HTTPLimits(), progress: &progress)
                }
            }
            switch result {
            case .success(nil): continue
            case .success: return nil
            case .failure(let error): return error
            }
        }
        return nil
    }
}
