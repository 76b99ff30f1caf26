public import NIOCore

/// Where the gateway's access log goes. Lines are formatted as bytes on the event loop (`AccessLogLine`) and handed
/// over in batches, never one call per request: logging each request through a generic logger to the daemon's stderr
/// doubled a request's CPU cost (BENCHMARKS.md, "Gateway").
public protocol AccessLogSink: Sendable {
    /// Complete lines, each ending in `\n`. Called on the gateway's event loop: it must not block for long.
    func write(_ lines: ByteBuffer)
    /// The gateway stops: nothing more comes.
    func close()
}

extension AccessLogSink {
    public func close() {}
}
