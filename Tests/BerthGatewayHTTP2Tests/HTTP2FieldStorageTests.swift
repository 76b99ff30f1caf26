import Testing

@testable import BerthGatewayHTTP2

/// Values that share a storage append to it in place only past what every other holds: each sees its own fields,
/// whatever the others appended, dropped or copied (checked against a model of plain arrays).
@Suite struct HTTP2FieldStorageTests {
    static func pairs(_ fields: HTTP2Fields) -> [[String]] { fields.map { [$0.name, $0.value] } }

    @Test func aCopyAndItsOriginalAppendApart() {
        var original = HTTP2Fields([(":method", "GET"), (":path", "/")])
        var copy = original
        copy.add(name: "x-forwarded-for", value: "127.0.0.1")  // in place: the copy ends where the storage does
        original.add(name: "x-request-id", value: "abc")  // not at the end any more: copied first
        copy.add(name: "x-request-id", value: "def")
        #expect(Self.pairs(original) == [[":method", "GET"], [":path", "/"], ["x-request-id", "abc"]])
        #expect(
            Self.pairs(copy) == [
                [":method", "GET"], [":path", "/"], ["x-forwarded-for", "127.0.0.1"], ["x-request-id", "def"],
            ])
    }

    @Test func aBlockDroppingItsPartialFieldKeepsWhatACopyHolds() {
        var block = HTTP2Fields([("a", "1")])
        let start = block.endIndex
        "partial".utf8.withContiguousStorageIfAvailable { block.appendBytes(UnsafeRawBufferPointer($0)) }
        let copy = block  // holds the partial octets in its range (as a view it never reads as a field)
        block.dropBytes(from: start)
        block.add(name: "b", value: "2")
        #expect(Self.pairs(block) == [["a", "1"], ["b", "2"]])
        #expect(Self.pairs(copy) == [["a", "1"]])
        #expect(copy.byteCount == start + 7)
        #expect(copy.withBytes { Array($0[start...]) } == Array("partial".utf8))
    }

    /// Random appends, copies, drops and growth past the first capacities, against arrays.
    @Test func randomSharingMatchesAModel() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var values: [(HTTP2Fields, [[String]])] = [(HTTP2Fields(fieldCapacity: 1, byteCapacity: 8), [])]
            for step in 0..<60 {
                let which = Int.random(in: 0..<values.count, using: &generator)
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<6:
                    let name = "n\(step)"
                    let value = String(repeating: "v", count: Int.random(in: 0...40, using: &generator))
                    values[which].0.add(name: name, value: value)
                    values[which].1.append([name, value])
                case 6..<8 where values.count < 6:
                    values.append(values[which])
                case 8:
                    var (fields, model) = values[which]
                    let kept = fields.keeping { $0 % 2 == 0 }
                    model = model.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                    fields = kept
                    values[which] = (fields, model)
                default:
                    if values.count > 1 { values.remove(at: which) }
                }
                for (fields, model) in values {
                    #expect(Self.pairs(fields) == model)
                }
            }
        }
    }
}
