import Testing

@testable import BerthProcess

@Suite("LineSplitter")
struct LineSplitterTests {
    private func texts(_ pieces: [LineSplitter.Piece]) -> [String] { pieces.map(\.text) }

    @Test func linesAcrossChunks() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("ab".utf8)).isEmpty)
        #expect(texts(splitter.append(Array("c\nd\r\n\ne".utf8))) == ["abc", "d", ""])
        #expect(texts(splitter.finish()) == ["e"])
        #expect(splitter.finish().isEmpty)
    }

    @Test func piecesOfALongLineWithoutNewline() {
        var splitter = LineSplitter(maxLineBytes: 4)
        let pieces = splitter.append(Array("abcdefghij".utf8))
        #expect(pieces == [.init(text: "abcd", continued: true), .init(text: "efgh", continued: true)])
        #expect(splitter.append(Array("\n".utf8)) == [.init(text: "ij", continued: false)])
    }

    @Test func cutsOnACharacterBoundary() {
        var splitter = LineSplitter(maxLineBytes: 4)
        // "aé" is 3 bytes; "aéé" is 5: the cut after 4 bytes would split the second é.
        let pieces = splitter.append(Array("aéé\n".utf8))
        #expect(pieces == [.init(text: "aé", continued: true), .init(text: "é", continued: false)])
    }

    @Test func invalidBytesNeverCrash() {
        var splitter = LineSplitter(maxLineBytes: 4)
        let pieces = splitter.append([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0A, 0xFF])
        #expect(pieces.map(\.continued) == [true, false])
        #expect(texts(splitter.finish()) == ["\u{FFFD}"])
    }
}
