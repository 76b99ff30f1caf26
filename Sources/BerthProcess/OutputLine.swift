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
    /// The process that wrote it: set by the launcher, so that even a line read before `spawn` returned has it.
    public var pid: Int32

    public init(stream: Stream, text: String, continued: Bool = false, pid: Int32 = 0) {
        self.stream = stream
        self.text = text
        self.continued = continued
        self.pid = pid
    }
}
