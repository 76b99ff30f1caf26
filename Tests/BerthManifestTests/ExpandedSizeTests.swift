import Testing

@testable import BerthManifestYAML

/// The node budget counted on libyaml's events (`ExpandedSize`, `NodeBudget.positionBeyond`), without composing.
@Suite struct ExpandedSizeTests {
    typealias Position = ExpandedSize.Position

    @Test func countsCollectionsKeysAndValuesAsTheComposedTreeHasThem() {
        // {a: [x, y]}: the mapping, its key, the sequence and two scalars.
        var size = ExpandedSize(limit: 100)
        size.open(anchor: nil, at: Position(line: 1, column: 1))
        size.scalar(anchor: nil, at: Position(line: 1, column: 2))
        size.open(anchor: nil, at: Position(line: 1, column: 5))
        size.scalar(anchor: nil, at: Position(line: 1, column: 6))
        size.scalar(anchor: nil, at: Position(line: 1, column: 9))
        size.close()
        size.close()
        #expect(size.total == 5)
        #expect(size.beyond == nil)
    }

    @Test func anAliasCountsWhatItsAnchorHolds() {
        var size = ExpandedSize(limit: 100)
        size.open(anchor: "a", at: Position(line: 1, column: 1))
        for _ in 0..<3 { size.scalar(anchor: nil, at: Position(line: 1, column: 2)) }
        size.close()
        size.alias("a", at: Position(line: 2, column: 1))
        size.alias("a", at: Position(line: 3, column: 1))
        #expect(size.total == 12)
        // An undefined alias is one node (composing reports it), and a redefined anchor counts its new node.
        size.alias("nowhere", at: Position(line: 4, column: 1))
        size.scalar(anchor: "a", at: Position(line: 5, column: 1))
        size.alias("a", at: Position(line: 6, column: 1))
        #expect(size.total == 15)
    }

    @Test func saysWhichNodeCrossesTheLimitInsideACollection() {
        var size = ExpandedSize(limit: 15)
        size.open(anchor: "a", at: Position(line: 1, column: 1))
        for _ in 0..<4 { size.scalar(anchor: nil, at: Position(line: 1, column: 2)) }
        size.close()
        size.open(anchor: nil, at: Position(line: 2, column: 1))
        size.alias("a", at: Position(line: 2, column: 2))
        #expect(size.beyond == nil)
        #expect(size.total == 11)
        size.alias("a", at: Position(line: 2, column: 7))
        #expect(size.beyond == Position(line: 2, column: 7))
        size.alias("a", at: Position(line: 2, column: 12))
        #expect(size.beyond == Position(line: 2, column: 7))
    }

    @Test func sizesSaturateInsteadOfOverflowing() {
        var size = ExpandedSize(limit: 1_000)
        size.open(anchor: "a", at: Position(line: 1, column: 1))
        size.scalar(anchor: nil, at: Position(line: 1, column: 2))
        size.close()
        // Each level holds ten of the one before: 10^30 nodes if nothing saturated.
        for level in 1...30 {
            size.open(anchor: "a", at: Position(line: level + 1, column: 1))
            for _ in 0..<10 { size.alias("a", at: Position(line: level + 1, column: 2)) }
            size.close()
        }
        #expect(size.total == 1_001)
        // 1 + 2 + 11 + 111 nodes before level 3, whose eighth alias of level 2's 111 crosses 1,000.
        #expect(size.beyond == Position(line: 4, column: 2))
    }

    @Test func readsTheEventsOfRealText() {
        #expect(NodeBudget.positionBeyond(10, in: "a: [x, y]\n") == nil)
        let text = "a: &a [x, x, x]\nb: [*a, *a, *a]\n"
        #expect(NodeBudget.positionBeyond(100, in: text) == nil)
        // The root mapping, a, its 4 nodes, b and its sequence: 8 nodes; the first alias makes 12, the second 16.
        #expect(NodeBudget.positionBeyond(12, in: text) == Position(line: 2, column: 9))
        // A syntax error leaves the verdict to composing.
        #expect(NodeBudget.positionBeyond(100, in: "a: [x\n") == nil)
    }
}
