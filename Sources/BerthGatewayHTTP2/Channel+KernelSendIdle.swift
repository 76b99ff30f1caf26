public import NIOCore

/// How long ago the kernel last sent data on a client's socket, for `send_timeout` on HTTP/2 calls and on HTTP/1.1
/// connections (`ClientHandler.checkDeadlines`): a client that reads slowly frees the socket's send buffer,
/// grown to megabytes, too slowly for the channel to become writable within the timeout, yet it is reading.
extension Channel {
    /// TCP_INFO `tcpi_last_data_sent` (zero-window probes carry none); nil where the socket cannot say. Call on the
    /// channel's event loop.
    public var kernelSendIdle: TimeAmount? {
        #if os(Linux)
            guard let provider = self as? any SocketOptionProvider else { return nil }
            // On the channel's event loop the future is already complete: the callback runs now, on this thread.
            let idle = NIOLoopBoundBox<TimeAmount?>(nil, eventLoop: eventLoop)
            provider.getTCPInfo().whenSuccess { info in idle.value = .milliseconds(Int64(info.tcpi_last_data_sent)) }
            return idle.value
        #else
            return nil
        #endif
    }

    /// `kernelSendIdle` when the socket is what holds the response back (the channel is not writable); nil when
    /// it is writable, as then a stalled call waits for its client's flow-control window, not for the socket.
    var kernelSendIdleWhenBlocked: TimeAmount? { isWritable ? nil : kernelSendIdle }
}
