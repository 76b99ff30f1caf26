/// One line a child wrote to stdout or stderr, decoded as lossy UTF-8 without its line terminator.
public struct OutputLine: Sendable, Equatable {
    public enum Stream: Sendable, Equatable {
        case stdout
        case stderr
    }

    public var stream: Stream
    public var text: String
    /// true when the line was longer than 64 KiB and this piece is continued by the next `OutputLine` of the stream.
    public var continued: Bool

    public init(stream: Stream, text: String, continued: Bool = false) {
        self.stream = stream
        self.text = text
        self.continued = continued
    }
}
