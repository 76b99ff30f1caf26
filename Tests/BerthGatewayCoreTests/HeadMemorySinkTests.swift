import BerthGatewayCore
import Testing

/// The sink the gateway writes heads with: what fits is written byte for byte as into an array; what does not fit
/// is counted, never written past the memory given.
@Suite("Head memory sink")
struct HeadMemorySinkTests {
    /// The same request rewrite into an array and into memory of every size around the head's: equal bytes when it
    /// fits, an exact count and untouched memory past the end when it does not.
    @Test func writesWhatFitsAndCountsWhatDoesNot() throws {
        let text = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Custom: \u{e9}t\u{e9}\r\n\r\n"
        let bytes = Array(text.utf8)
        let (head, _, lines) = try #require(try TestBytes.requestLines(bytes).get())
        let rewrite = RequestRewrite(clientAddress: "192.0.2.7", requestID: "abc-123")
        var expected: [UInt8] = []
        bytes.withUnsafeBytes { RequestRewrite.write(head, lines: lines, in: $0, rewrite: rewrite, into: &expected) }
        for capacity in [0, 1, expected.count - 1, expected.count, expected.count + 1, 4096] {
            var memory = [UInt8](repeating: 0xAA, count: capacity + 16)
            let sink = memory.withUnsafeMutableBytes { raw in
                var sink = HeadMemorySink(UnsafeMutableRawBufferPointer(rebasing: raw[..<capacity]))
                bytes.withUnsafeBytes {
                    RequestRewrite.write(head, lines: lines, in: $0, rewrite: rewrite, into: &sink)
                }
                return sink
            }
            #expect(sink.needed == expected.count, "capacity \(capacity)")
            #expect(sink.overflowed == (capacity < expected.count), "capacity \(capacity)")
            #expect(memory[capacity...].allSatisfy { $0 == 0xAA }, "wrote past the memory given (\(capacity))")
            if !sink.overflowed { #expect(Array(memory[..<expected.count]) == expected) }
        }
    }
}
