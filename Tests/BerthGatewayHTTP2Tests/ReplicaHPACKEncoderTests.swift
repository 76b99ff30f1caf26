import NIOCore
import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// The replica leg's HPACK encoder (static table only, no Huffman): whatever it writes NIOHPACK's decoder reads back
/// as the same fields, never-indexed fields stay never indexed, static entries are one byte, and a replica's new
/// table size is acknowledged with a size update that any limit allows.
@Suite struct ReplicaHPACKEncoderTests {
    static func roundTrip(
        _ headers: HTTP2Fields, _ encoder: inout ReplicaHPACKEncoder, tableSize: Int = 4096
    ) throws
        -> HTTP2Fields
    {
        var out = ByteBuffer()
        encoder.encode(headers, into: &out)
        var decoder = HPACKDecoder(allocator: .init(), maxDynamicTableSize: tableSize)
        return HTTP2Fields(try decoder.decodeHeaders(from: &out))
    }

    @Test func aRequestRoundTripsThroughNIOHPACKsDecoder() throws {
        var headers: HTTP2Fields = [
            ":method": "GET", ":scheme": "https", ":path": "/a/b?c=d", ":authority": "127.0.0.1:18310",
            "accept": "*/*", "accept-encoding": "gzip, deflate", "user-agent": "h2load nghttp2/1.52.0",
            "content-type": "application/grpc", "te": "trailers", "x-forwarded-for": "127.0.0.1", "empty": "",
            "date": "", "x-long": String(repeating: "v", count: 300),
        ]
        headers.add(name: "x-request-id", value: "0123456789abcdef", indexing: .nonIndexable)
        headers.add(name: "authorization", value: "secret", indexing: .neverIndexed)
        headers.add(name: "x-secret", value: "also", indexing: .neverIndexed)
        var encoder = ReplicaHPACKEncoder()
        for _ in 0..<3 {
            let decoded = try Self.roundTrip(headers, &encoder)
            #expect(decoded == headers)
            // Never-indexed fields are read back as such (a later hop must not index them either).
            let never = decoded.filter { $0.indexing == .neverIndexed }.map(\.name)
            #expect(never == ["authorization", "x-secret"])
        }
    }

    @Test func staticTableEntriesAreOneByteAndNothingIsIndexed() throws {
        var encoder = ReplicaHPACKEncoder()
        var out = ByteBuffer()
        encoder.encode([":method": "GET", ":scheme": "http", ":path": "/", ":method": "POST"], into: &out)
        #expect(Array(out.readableBytesView) == [0x82, 0x86, 0x84, 0x83])
        // A static name with another value: the name's index, the value literal, without indexing (0000xxxx).
        out.clear()
        encoder.encode(["user-agent": "x"], into: &out)
        #expect(Array(out.readableBytesView) == [0x0f, 58 - 15, 1, UInt8(ascii: "x")])
        // Other fields are literals without indexing (0x00: a new name; 0000xxxx: a static name), again and again:
        // nothing goes into the replica's dynamic table.
        for _ in 0..<2 {
            out.clear()
            encoder.encode(["x-a": "1", ":authority": "b"], into: &out)
            let expected: [UInt8] = [0x00, 3] + Array("x-a".utf8) + [1, UInt8(ascii: "1"), 0x01, 1, UInt8(ascii: "b")]
            #expect(Array(out.readableBytesView) == expected)
        }
    }

    @Test func aNewTableSizeIsAcknowledgedWithASizeUpdateToZero() throws {
        var encoder = ReplicaHPACKEncoder()
        encoder.tableSizeChanged()
        var out = ByteBuffer()
        encoder.encode([":method": "GET"], into: &out)
        #expect(Array(out.readableBytesView) == [0x20, 0x82])
        // Once: the next block has no update.
        out.clear()
        encoder.encode([":method": "GET"], into: &out)
        #expect(Array(out.readableBytesView) == [0x82])
        // A replica that allows no table at all reads both.
        encoder.tableSizeChanged()
        #expect(try Self.roundTrip([":path": "/x"], &encoder, tableSize: 0) == [":path": "/x"])
    }

    @Test func integersPastTheirPrefixTakeMoreBytes() {
        var out = ByteBuffer()
        // RFC 7541 C.1.2: 1337 with a 5-bit prefix.
        ReplicaHPACKEncoder.writeInteger(1337, prefix: 5, flags: 0, into: &out)
        #expect(Array(out.readableBytesView) == [0x1f, 0x9a, 0x0a])
        out.clear()
        ReplicaHPACKEncoder.writeInteger(127, prefix: 7, flags: 0x80, into: &out)
        #expect(Array(out.readableBytesView) == [0xff, 0x00])
    }
}

/// The static table's lookups are a switch: checked against RFC 7541's table, entry by entry.
@Suite struct ReplicaHPACKStaticTableTests {
    @Test func theLookupsAgreeWithTheTable() {
        let table = Array(HPACKStaticTable.fields.dropFirst())
        #expect(table.count == 61)
        for (offset, entry) in table.enumerated() {
            let first = table.firstIndex { $0.name == entry.name }! + 1
            #expect(HTTP2FieldName.staticIndex(entry.name) == first, "\(entry.name)")
            if !entry.value.isEmpty {
                #expect(HTTP2FieldName.fullMatch(first, entry.value) == UInt8(offset + 1), "\(entry)")
            }
        }
        #expect(HTTP2FieldName.staticIndex("x-request-id") == 0)
        #expect(HTTP2FieldName.staticIndex("Accept") == 0)
        #expect(HTTP2FieldName.fullMatch(2, "PUT") == nil)
    }
}
