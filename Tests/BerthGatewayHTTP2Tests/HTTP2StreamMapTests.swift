import NIOHTTP2
import Testing

@testable import BerthGatewayHTTP2

/// The stream tables' map by stream id behaves as the dictionary it replaced, whatever the ids, and stays small:
/// compared with a `Dictionary` over the same operations.
@Suite struct HTTP2StreamMapTests {
    private static func key(_ id: Int) -> HTTP2StreamKey { HTTP2StreamKey(HTTP2StreamID(id)) }

    /// Every id and value the map holds, against the model.
    private static func expectSame(_ map: HTTP2StreamMap<Int>, _ model: [HTTP2StreamKey: Int]) {
        #expect(map.count == model.count)
        #expect(map.isEmpty == model.isEmpty)
        var seen: [HTTP2StreamKey: Int] = [:]
        for (key, value) in map { seen[key] = value }
        #expect(seen == model)
        for (key, value) in model { #expect(map[key] == value) }
    }

    @Test func streamsOpenedInOrderAndClosedOutOfOrder() {
        var map = HTTP2StreamMap<Int>()
        var model: [HTTP2StreamKey: Int] = [:]
        for id in stride(from: 1, to: 41, by: 2) {
            map[Self.key(id)] = id
            model[Self.key(id)] = id
        }
        for id in [7, 1, 3, 39, 21, 5] {
            #expect(map.removeValue(forKey: Self.key(id)) == id)
            model[Self.key(id)] = nil
        }
        #expect(map.removeValue(forKey: Self.key(7)) == nil)
        #expect(map[Self.key(2)] == nil)
        #expect(map[Self.key(41)] == nil)
        // In place, as the tables change a stream's window; nothing for a stream not there.
        let updated = map.update(Self.key(9)) { value -> Int in
            value += 100
            return value
        }
        #expect(updated == 109)
        model[Self.key(9)]? += 100
        #expect(map.update(Self.key(7)) { $0 += 1 } == nil)
        #expect(map.update(Self.key(10)) { $0 += 1 } == nil)
        map[Self.key(11)] = nil
        model[Self.key(11)] = nil
        Self.expectSame(map, model)
        #expect(map.keys.map { Int($0.id) } == model.keys.map { Int($0.id) }.sorted())
        map.removeAll()
        #expect(map.isEmpty)
        #expect(map[Self.key(9)] == nil)
    }

    /// A stream that stays open while 100,000 after it open and close (a long gRPC stream beside unary calls): the
    /// array stays bounded, the old stream stays found.
    @Test func aLongStreamDoesNotGrowTheWindow() {
        var map = HTTP2StreamMap<Int>()
        map[Self.key(1)] = 1
        for id in stride(from: 3, to: 200_003, by: 2) {
            map[Self.key(id)] = id
            if id > 50 { #expect(map.removeValue(forKey: Self.key(id - 48)) == id - 48) }
            #expect(map.slotCount <= 2 * (4 * map.count + 64))
        }
        #expect(map[Self.key(1)] == 1)
        #expect(map.count == 25)
        #expect(map.removeValue(forKey: Self.key(1)) == 1)
        #expect(map.count == 24)
    }

    /// Ids far apart, lower than the window, or even: kept beside the window, not as slots.
    @Test func idsOutsideTheWindow() {
        var map = HTTP2StreamMap<Int>()
        map[Self.key(101)] = 1
        map[Self.key(2_000_000_001)] = 2
        map[Self.key(51)] = 3
        map[Self.key(8)] = 4
        map[Self.key(103)] = 5
        #expect(map.slotCount <= 2 * (4 * map.count + 64))
        Self.expectSame(
            map, [Self.key(101): 1, Self.key(2_000_000_001): 2, Self.key(51): 3, Self.key(8): 4, Self.key(103): 5])
        map.update(Self.key(8)) { $0 += 10 }
        #expect(map[Self.key(8)] == 14)
        map.update(Self.key(2_000_000_001)) { $0 += 10 }
        #expect(map[Self.key(2_000_000_001)] == 12)
        #expect(map.removeValue(forKey: Self.key(51)) == 3)
        #expect(map.removeValue(forKey: Self.key(8)) == 14)
        #expect(map.count == 3)
    }

    /// Random operations over a few hundred ids, mostly in order: the same answers as a dictionary.
    @Test(arguments: [1, 2, 3, 4])
    func sameAsADictionary(seed: Int) {
        var generator = SplitMix(seed: seed)
        var map = HTTP2StreamMap<Int>()
        var model: [HTTP2StreamKey: Int] = [:]
        var next = 1
        for step in 0..<4_000 {
            let open = model.keys.map { Int($0.id) }
            switch generator.next() % 10 {
            case 0...3:
                // A new stream, usually the next id, sometimes far ahead or even.
                let jump = generator.next() % 20 == 0 ? Int(generator.next() % 1_000) * 2 : 0
                next += jump
                let id = generator.next() % 50 == 0 ? next + 1 : next
                next += 2
                map[Self.key(id)] = step
                model[Self.key(id)] = step
                #expect(map.slotCount <= 2 * (4 * map.count + 64))
            case 4...7 where !open.isEmpty:
                // The oldest streams close first, mostly.
                let sorted = open.sorted()
                let id = sorted[min(sorted.count - 1, Int(generator.next() % 4))]
                #expect(map.removeValue(forKey: Self.key(id)) == model.removeValue(forKey: Self.key(id)))
            case 8 where !open.isEmpty:
                let id = open[Int(generator.next() % open.count)]
                if generator.next() % 2 == 0 { map[Self.key(id)]? += 1 } else { map.update(Self.key(id)) { $0 += 1 } }
                model[Self.key(id)]? += 1
            case 9 where generator.next() % 2 == 0:
                let id = Int(generator.next() % (next + 10))
                #expect(map[Self.key(id)] == model[Self.key(id)])
                map[Self.key(id)] = nil
                model[Self.key(id)] = nil
            default:
                let id = Int(generator.next() % (next + 10))
                #expect(map[Self.key(id)] == model[Self.key(id)])
            }
        }
        Self.expectSame(map, model)
    }
}

/// A small deterministic generator (splitmix64), so that a failure repeats.
private struct SplitMix {
    var state: UInt64
    init(seed: Int) { state = UInt64(seed) }
    mutating func next() -> Int {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
    }
}
