import Testing

@testable import BerthGatewayHTTP2

/// The deadline sweep's list of calls: constant-time add and remove by the position each call keeps.
@Suite struct SweepListTests {
    final class Call: SweepListed {
        let name: String
        var sweepSlot: Int?
        init(_ name: String) { self.name = name }
    }

    static func names(_ list: SweepList<Call>) -> Set<String> { Set(list.elements.map(\.name)) }

    @Test func removingMovesTheLastCallIntoTheFreedPlaceAndKeepsEveryPositionTrue() {
        var list = SweepList<Call>()
        let calls = ["a", "b", "c", "d"].map(Call.init)
        for call in calls { list.add(call) }
        list.remove(calls[1])
        #expect(Self.names(list) == ["a", "c", "d"])
        #expect(calls[1].sweepSlot == nil)
        #expect(calls[3].sweepSlot == 1 && list.elements[1] === calls[3])
        list.remove(calls[3])
        list.remove(calls[0])
        #expect(Self.names(list) == ["c"])
        #expect(calls[2].sweepSlot == 0)
        list.remove(calls[2])
        #expect(list.isEmpty)
    }

    @Test func addingTwiceOrRemovingWhatIsNotThereChangesNothing() {
        var list = SweepList<Call>()
        let a = Call("a")
        let b = Call("b")
        list.add(a)
        list.add(a)
        #expect(list.count == 1)
        list.remove(b)
        #expect(list.count == 1 && a.sweepSlot == 0)
        // A call in another list (its position there) is not this list's.
        var other = SweepList<Call>()
        other.add(b)
        list.add(Call("c"))
        list.remove(b)
        #expect(list.count == 2 && other.count == 1 && b.sweepSlot == 0)
        list.remove(a)
        list.add(a)
        #expect(Self.names(list) == ["c", "a"] && list.elements[a.sweepSlot!] === a)
    }
}
