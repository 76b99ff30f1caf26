import NIOCore
import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The gateway's own field list: what it keeps of each field (octets, indexing, the name's static index), its
/// conversions to and from NIOHPACK's type at NIOHTTP2's edges, and the static index every producer gives a name
/// (the checks and the encoder trust it instead of comparing names).
@Suite struct HTTP2FieldsTests {
    @Test func fieldsKeepTheirOctetsIndexingAndStaticName() {
        var fields: HTTP2Fields = [":method": "POST", "x-custom": "v"]
        fields.add(name: "authorization", value: "secret", indexing: .neverIndexed)
        fields.add(name: "Content-Length", value: "3")
        #expect(fields.count == 4)
        #expect(fields.map(\.name) == [":method", "x-custom", "authorization", "Content-Length"])
        #expect(fields.map(\.value) == ["POST", "v", "secret", "3"])
        #expect(fields.map(\.indexing) == [.indexable, .indexable, .neverIndexed, .indexable])
        // A name the static table has carries its first index; an uppercase one is not that name.
        #expect(fields.fields.map(\.staticName) == [2, 0, 23, 0])
        #expect(fields.byteCount == ":methodPOSTx-customvauthorizationsecretContent-Length3".utf8.count)
        #expect(fields.nameIs(0, ":method") && fields.valueIs(0, "POST") && !fields.nameIs(1, ":method"))
    }

    @Test func namesAreLookedUpWithoutRegardToCase() {
        let fields: HTTP2Fields = ["X-Request-Id": "a", "accept": "b", "x-request-id": "c"]
        #expect(fields.first(name: "x-request-id") == "a")
        #expect(fields["X-REQUEST-ID"] == ["a", "c"])
        #expect(fields.contains(name: "Accept") && !fields.contains(name: "accep"))
        var removed = fields
        removed.remove(name: "x-request-id")
        #expect(removed == ["accept": "b"])
    }

    /// Equal: the same names and values in the same order, whatever the indexing or where the octets sit.
    @Test func equalityComparesNamesAndValuesInOrder() {
        var indexed: HTTP2Fields = ["a": "1", "b": "2"]
        var plain = HTTP2Fields()
        plain.add(name: "a", value: "1", indexing: .nonIndexable)
        plain.add(name: "b", value: "2", indexing: .neverIndexed)
        #expect(indexed == plain)
        let copied = HTTP2Fields(fieldCapacity: 0, byteCapacity: 0).appending(from: [HTTP2Fields(["z": "9"]), plain])
        #expect(copied == ["z": "9", "a": "1", "b": "2"])
        #expect(copied.indexing(2) == .neverIndexed)
        indexed.add(name: "c", value: "")
        #expect(indexed != plain)
        #expect(HTTP2Fields(["ab": "c"]) != HTTP2Fields(["a": "bc"]))
        #expect(HTTP2Fields(["a": "1", "b": "2"]) != HTTP2Fields(["b": "2", "a": "1"]))
    }

    @Test func nioHPACKsBlocksConvertBothWaysWithTheirIndexing() {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "set-cookie", value: "s=1", indexing: .neverIndexed)
        headers.add(name: "x-request-id", value: "r", indexing: .nonIndexable)
        let fields = HTTP2Fields(headers)
        #expect(fields.fields.map(\.staticName) == [8, 55, 0])
        let back = fields.hpackHeaders
        #expect(back == headers)
        #expect(back.map(\.indexable) == [.indexable, .neverIndexed, .nonIndexable])
    }

    /// `HPACKHeaders.add` traps on a name that is not ASCII: such a name (which the header check refuses before
    /// anything is forwarded) is written with its octets replaced, so that no input traps at NIOHTTP2's edge.
    @Test func aNameThatIsNotASCIIDoesNotTrapOnTheWayToNIOHPACK() {
        var fields = HTTP2Fields()
        [UInt8]([0x78, 0xc3, 0xa9]).withUnsafeBytes { name in
            [UInt8]("v".utf8).withUnsafeBytes { value in fields.append(name: name, value: value, indexing: .indexable) }
        }
        #expect(fields.hpackHeaders.map(\.name) == ["x??"])
        #expect(HTTP2HeaderCheck.problem(fields, .trailers) != nil)
    }

    /// The Huffman decoder writes into the list's spare room; what it did not use is given back.
    @Test func appendedBytesAreTrimmedToWhatWasWritten() {
        var fields = HTTP2Fields()
        let start = fields.endIndex
        Array("name".utf8).withUnsafeBytes { fields.appendBytes($0) }
        let written = fields.appendBytes(capacity: 10) { out in
            out[0] = UInt8(ascii: "v")
            out[1] = UInt8(ascii: "w")
            return 2
        }
        #expect(written == 2)
        fields.endField(start: start, nameCount: 4, indexing: .indexable, staticName: 0)
        #expect(fields == ["name": "vw"])
        #expect(fields.appendBytes(capacity: 8) { _ in nil } == nil)
        #expect(fields.byteCount == 6)
    }

    /// Every block the decoder reads gives each field the static index of its name, whether the name came from
    /// the static table, the dynamic table or a literal: `HTTP2HeaderCheck` and the encoder rely on it.
    @Test func theDecoderGivesEveryNameItsStaticIndex() throws {
        var encoder = HPACKEncoder(allocator: .init(), useHuffmanEncoding: true)
        var decoder = HPACKFieldDecoder(maxHeaderListSize: 65_536, maxTableSize: 4096)
        var generator = SystemRandomNumberGenerator()
        let names = Array(HPACKStaticTable.fields.dropFirst()).map(\.name) + ["x-a", "grpc-timeout", "te", ":nope"]
        for _ in 0..<200 {
            var headers = HPACKHeaders()
            for _ in 0..<Int.random(in: 1...10, using: &generator) {
                let indexing: HPACKIndexing = [.indexable, .nonIndexable, .neverIndexed].randomElement(
                    using: &generator)!
                headers.add(
                    name: names.randomElement(using: &generator)!, value: ["", "GET", "200", "v"].randomElement()!,
                    indexing: indexing)
            }
            var block = ByteBuffer()
            try encoder.encode(headers: headers, to: &block)
            let fields = try decoder.decode(block)
            #expect(fields == HTTP2Fields(headers))
            for index in 0..<fields.count {
                #expect(Int(fields.fields[index].staticName) == HTTP2FieldName.staticIndex(fields.name(index)))
            }
        }
    }

    /// A pseudo-header field sent as a literal name (not an index) is still known by its static index.
    @Test func aLiteralPseudoHeaderNameIsKnown() throws {
        var decoder = HPACKFieldDecoder(maxHeaderListSize: 16_384, maxTableSize: 4096)
        // ":method: GET" as a literal without indexing with a literal name, then :scheme, :path, :authority.
        var block = ByteBuffer(bytes: [0x00, 0x07] + Array(":method".utf8) + [0x03] + Array("GET".utf8))
        block.writeBytes([0x86, 0x84, 0x41, 0x01, UInt8(ascii: "a")])
        let fields = try decoder.decode(block)
        #expect(fields.fields.map(\.staticName) == [2, 6, 4, 1])
        #expect(HTTP2HeaderCheck.inspect(fields, .request).problem == nil)
        #expect(HTTP2HeaderCheck.inspect(fields, .request).pseudoValue == "GET")
        #expect(HTTP2HeaderCheck.problem(["Content-Length": "1", ":status": "200"], .response) != nil)
        #expect(HTTP2HeaderCheck.problem([":status": "200", "Content-Length": "1"], .response) != nil)
        #expect(HTTP2HeaderCheck.problem([":status": "200", "transfer-encoding": "chunked"], .response) != nil)
        #expect(HTTP2HeaderCheck.problem([":status": "200", ":bogus": "x"], .response) != nil)
    }
}

extension HTTP2Fields {
    /// Every field of `blocks`, in order (for the tests).
    fileprivate func appending(from blocks: [HTTP2Fields]) -> HTTP2Fields {
        var result = self
        for block in blocks {
            for index in 0..<block.count { result.append(block, index) }
        }
        return result
    }
}

/// The dynamic table's one buffer of octets against a plain list of entries: random adds (some larger than the
/// table), size updates, and every entry read back after each step.
@Suite struct HPACKDynamicTableTests {
    @Test func entriesReadBackAsAddedThroughEvictionsAndCompaction() {
        var generator = SystemRandomNumberGenerator()
        var table = HPACKDynamicTable(capacity: 300)
        var model: [(name: String, value: String)] = []  // newest first
        var capacity = 300
        for step in 0..<3_000 {
            if step % 97 == 96 {
                capacity = [0, 50, 300, 200].randomElement(using: &generator)!
                table.resize(to: capacity)
            } else {
                let name = "n\(step % 7)"
                let value = String(
                    repeating: "v", count: Int.random(in: 0...(step % 50 == 0 ? 400 : 60), using: &generator))
                Array((name + value).utf8).withUnsafeBytes { table.add($0, nameCount: name.utf8.count, staticName: 0) }
                model.insert((name, value), at: 0)
            }
            // RFC 7541 4.4: evict oldest first until the table fits (an entry too large for it empties it).
            var size = model.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
            while size > capacity, let last = model.popLast() {
                size -= last.name.utf8.count + last.value.utf8.count + 32
            }
            #expect(table.count == model.count && table.size == size, "step \(step)")
            for (offset, expected) in model.enumerated() {
                let entry = table.entry(offset + 1)
                #expect(
                    entry?.name == expected.name && entry?.value == expected.value, "step \(step), entry \(offset + 1)")
            }
        }
    }
}

/// A value that is not UTF-8 (obs-text, e.g. Latin-1) crosses the gateway byte for byte: decoded as octets, passed by
/// the header check, encoded for the other leg as they came (a `String` replaced them with U+FFFD).
@Suite struct HTTP2ObsTextTests {
    @Test func aLatin1ValueIsForwardedByteForByte() throws {
        var decoder = HPACKFieldDecoder(maxHeaderListSize: 16_384, maxTableSize: 4096)
        // :method GET, :scheme http, :path /, then "x-name: caf\u{e9}" in Latin-1, a literal without indexing.
        var block = ByteBuffer(
            bytes: [0x82, 0x86, 0x84, 0x00, 0x06] + Array("x-name".utf8) + [0x04, 0x63, 0x61, 0x66, 0xe9])
        let fields = try decoder.decode(block)
        #expect(HTTP2HeaderCheck.problem(fields, .request) == nil)
        var out = ByteBuffer()
        var encoder = ReplicaHPACKEncoder()
        encoder.encode(fields, into: &out)
        var replica = HPACKFieldDecoder(maxHeaderListSize: 16_384, maxTableSize: 4096)
        let forwarded = try replica.decode(out)
        #expect(forwarded.bytes == fields.bytes)
        #expect(forwarded.bytes.suffix(4) == [0x63, 0x61, 0x66, 0xe9])
        block.clear()
    }
}
