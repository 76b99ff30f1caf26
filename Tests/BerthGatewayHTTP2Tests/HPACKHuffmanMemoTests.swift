import NIOCore
import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The decoder's memo of coded strings: what it returns is what the code decodes to, whatever it held before.
@Suite struct HPACKHuffmanMemoTests {
    static func found(_ memo: HPACKHuffmanMemo, _ code: [UInt8]) -> [UInt8]? {
        code.withUnsafeBytes { encoded in memo.lookup(encoded) { Array($0) } }
    }

    static func remember(_ memo: inout HPACKHuffmanMemo, _ code: [UInt8], _ decoded: [UInt8]) {
        code.withUnsafeBytes { encoded in decoded.withUnsafeBytes { memo.remember(encoded, decoded: $0) } }
    }

    @Test func findsWhatItKeptAndForgetsTheOldest() {
        var memo = HPACKHuffmanMemo()
        #expect(Self.found(memo, [1, 2, 3]) == nil)
        Self.remember(&memo, [1, 2, 3], Array("abcd".utf8))
        #expect(Self.found(memo, [1, 2, 3]) == Array("abcd".utf8))
        // The same length, another code: not found.
        #expect(Self.found(memo, [1, 2, 4]) == nil)
        #expect(Self.found(memo, [1, 2]) == nil)
        for code in 10..<(10 + HPACKHuffmanMemo.slots - 1) { Self.remember(&memo, [UInt8(code)], [UInt8(code)]) }
        #expect(Self.found(memo, [1, 2, 3]) == Array("abcd".utf8))
        Self.remember(&memo, [99], [99])
        #expect(Self.found(memo, [1, 2, 3]) == nil, "the oldest slot was reused")
        #expect(Self.found(memo, [99]) == [99])
    }

    @Test func keepsNeitherEmptyNorLongCodes() {
        var memo = HPACKHuffmanMemo()
        Self.remember(&memo, [], [])
        #expect(Self.found(memo, []) == nil)
        let long = [UInt8](repeating: 0x41, count: HPACKHuffmanMemo.maxEncoded + 1)
        Self.remember(&memo, long, [0x42])
        #expect(Self.found(memo, long) == nil)
    }

    /// Coded literals that repeat (as nginx's `server`, `content-type` and `date`), among more distinct ones than the
    /// memo has slots and ones of the same coded length, decode to what was encoded, block after block.
    @Test func decoderReadsRepeatedCodedLiterals() throws {
        var encoder = HPACKEncoder(allocator: .init(), useHuffmanEncoding: true)
        var decoder = HPACKFieldDecoder(maxHeaderListSize: 65_536, maxTableSize: 4096)
        var generator = SystemRandomNumberGenerator()
        let values = [
            "nginx/1.22.1", "text/plain", "Mon, 07 Dec 2026 16:20:11 GMT", "Mon, 07 Dec 2026 16:20:12 GMT", "aaaa",
            "aaab", "baaa", "application/grpc", String(repeating: "long value ", count: 10),
        ]
        for _ in 0..<400 {
            var headers = HPACKHeaders()
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                headers.add(
                    name: ["server", "content-type", "date", "x-custom"].randomElement(using: &generator)!,
                    value: values.randomElement(using: &generator)!, indexing: .nonIndexable)
            }
            var block = ByteBuffer()
            try encoder.encode(headers: headers, to: &block)
            let decoded = try decoder.decode(block)
            #expect(decoded.map { "\($0.name): \($0.value)" } == headers.map { "\($0.name): \($0.value)" })
        }
    }

    /// A coded string that does not decode is refused whether or not a slot holds another of its length.
    @Test func invalidCodeIsRefusedAfterValidOnes() throws {
        var decoder = HPACKFieldDecoder(maxHeaderListSize: 65_536, maxTableSize: 4096)
        // 0x00 (a literal, new name, not indexed); name "a" plain; value coded, one byte: 0x1f (the 5-bit code of
        // "a" then 3 padding bits of 1s) decodes to "a"...
        var good = ByteBuffer(bytes: [0x00, 0x01, 0x61, 0x81, 0x1f])
        #expect(try decoder.decode(good).map(\.value) == ["a"])
        good = ByteBuffer(bytes: [0x00, 0x01, 0x61, 0x81, 0x1f])
        #expect(try decoder.decode(good).map(\.value) == ["a"])
        // ...while 0x00 pads with zeros, which is not EOS's prefix.
        #expect(throws: HPACKFieldDecoder.Failure.self) {
            try decoder.decode(ByteBuffer(bytes: [0x00, 0x01, 0x61, 0x81, 0x00]))
        }
    }
}
