/// Cuts a byte stream into lines: split on '\n', strip one trailing '\r', lossy UTF-8, pieces of at most
/// `maxLineBytes` (cut on a UTF-8 character boundary when possible). Pure and synchronous, so it is tested alone.
struct LineSplitter: Sendable {
    struct Piece: Sendable, Equatable {
        var text: String
        var continued: Bool
    }

    static let defaultMaxLineBytes = 64 * 1024

    let maxLineBytes: Int
    private var pending: [UInt8] = []

    init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        precondition(maxLineBytes >= 4, "a piece must hold at least one UTF-8 character")
        self.maxLineBytes = maxLineBytes
    }

    /// Adds bytes and returns the pieces that are complete now.
    mutating func append(_ bytes: some Collection<UInt8>) -> [Piece] {
        pending.append(contentsOf: bytes)
        var pieces: [Piece] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            emitLine(from: start, to: newline, into: &pieces)
            start = newline + 1
        }
        while pending.count - start > maxLineBytes {
            let cut = cutPoint(from: start)
            pieces.append(Piece(text: decode(start, cut), continued: true))
            start = cut
        }
        pending.removeFirst(start)
        return pieces
    }

    /// Ends the stream: returns the partial last line, if any.
    mutating func finish() -> [Piece] {
        guard !pending.isEmpty else { return [] }
        var pieces: [Piece] = []
        emitLine(from: 0, to: pending.count, into: &pieces)
        pending.removeAll()
        return pieces
    }

    private func emitLine(from lineStart: Int, to lineEnd: Int, into pieces: inout [Piece]) {
        var end = lineEnd
        if end > lineStart, pending[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        var start = lineStart
        while end - start > maxLineBytes {
            let cut = cutPoint(from: start)
            pieces.append(Piece(text: decode(start, cut), continued: true))
            start = cut
        }
        pieces.append(Piece(text: decode(start, end), continued: false))
    }

    /// `start + maxLineBytes`, moved back to the start of a UTF-8 sequence when that is within 3 bytes.
    private func cutPoint(from start: Int) -> Int {
        let limit = start + maxLineBytes
        var cut = limit
        while cut > limit - 3, isContinuationByte(pending[cut]) {
            cut -= 1
        }
        return isContinuationByte(pending[cut]) ? limit : cut
    }

    private func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0b1100_0000 == 0b1000_0000 }

    private func decode(_ start: Int, _ end: Int) -> String {
        String(decoding: pending[start..<end], as: UTF8.self)
    }
}
