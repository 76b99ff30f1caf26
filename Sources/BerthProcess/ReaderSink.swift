/// What the output pump does with the bytes of one pipe: cut a child's stdout or stderr into lines, or collect a
/// child's (tiny) exec report until EOF.
enum ReaderSink: Sendable {
    case lines(
        OutputLine.Stream, LineSplitter,
        onLine: @Sendable (OutputLine) -> Void,
        onClose: @Sendable () -> Void
    )
    case report([UInt8], onEnd: @Sendable ([UInt8]) -> Void)

    /// An exec report is two ints; anything beyond this is not ours to keep.
    static let reportLimit = 64

    /// Takes bytes just read.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .lines(let stream, var splitter, let onLine, let onClose):
            let pieces = splitter.append(bytes)
            self = .lines(stream, splitter, onLine: onLine, onClose: onClose)
            Self.deliver(pieces, stream: stream, to: onLine)
        case .report(var received, let onEnd):
            received += bytes.prefix(max(0, Self.reportLimit - received.count))
            self = .report(received, onEnd: onEnd)
        }
    }

    /// The pipe reached EOF (and is closed): flushes a partial line, then reports the end.
    mutating func finish() {
        switch self {
        case .lines(let stream, var splitter, let onLine, let onClose):
            let pieces = splitter.finish()
            self = .lines(stream, splitter, onLine: onLine, onClose: onClose)
            Self.deliver(pieces, stream: stream, to: onLine)
            onClose()
        case .report(let received, let onEnd):
            onEnd(received)
        }
    }

    private static func deliver(
        _ pieces: [LineSplitter.Piece], stream: OutputLine.Stream, to onLine: @Sendable (OutputLine) -> Void
    ) {
        for piece in pieces {
            onLine(OutputLine(stream: stream, text: piece.text, continued: piece.continued))
        }
    }
}
