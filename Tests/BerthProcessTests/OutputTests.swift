import BerthProcess
import Testing

@Suite("Output lines from real processes")
struct OutputTests {
    @Test func longLinesAreSplitIntoPieces() async throws {
        let (recorder, _) = try await run(sh("head -c 200000 /dev/zero | tr '\\0' a; echo; echo next"))
        let lines = recorder.lines
        #expect(lines.map(\.text.utf8.count) == [65536, 65536, 65536, 200000 - 3 * 65536, 4])
        #expect(lines.map(\.continued) == [true, true, true, false, false])
        #expect(lines.dropLast().map(\.text).joined() == String(repeating: "a", count: 200000))
    }

    @Test func invalidUTF8BecomesReplacementCharacters() async throws {
        let (recorder, status) = try await run(sh("printf '\\377abc\\n\\303\\n'"))
        #expect(status == .exited(0))
        #expect(recorder.texts == ["\u{FFFD}abc", "\u{FFFD}"])
    }

    @Test func partialLastLineAndCRLF() async throws {
        let (recorder, _) = try await run(sh("printf 'one\\r\\ntwo\\n\\nthree'"))
        #expect(recorder.texts == ["one", "two", "", "three"])
        #expect(recorder.lines.allSatisfy { !$0.continued })
    }
}
