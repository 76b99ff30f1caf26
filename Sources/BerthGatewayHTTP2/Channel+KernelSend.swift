public import BerthGatewayCore
public import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the kernel says of a client's socket, for `send_timeout` on HTTP/2 calls and on HTTP/1.1 connections
/// (`ClientHandler.checkDeadlines`): a client that reads slowly frees the socket's send buffer, grown to megabytes,
/// too slowly for the channel to become writable within the timeout, yet it is reading.
extension Channel {
    /// TCP_INFO's `tcpi_last_data_sent` and `tcpi_bytes_acked` (Linux 4.1+); nil where the socket cannot say. Call
    /// on the channel's event loop.
    public var kernelSend: SendProgressWatch.KernelSend? {
        #if os(Linux)
            guard let provider = self as? any SocketOptionProvider else { return nil }
            // On the channel's event loop the future is already complete: the callback runs now, on this thread.
            let sent = NIOLoopBoundBox<SendProgressWatch.KernelSend?>(nil, eventLoop: eventLoop)
            let info: EventLoopFuture<KernelTCPInfo> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_INFO))
            info.whenSuccess { info in
                sent.value = .init(
                    idle: Int64(info.base.tcpi_last_data_sent) * 1_000_000,
                    acked: KernelTCPInfo.isKernelLayout ? info.bytesAcked : nil)
            }
            return sent.value
        #else
            return nil
        #endif
    }

    /// `kernelSend` when the socket is what holds the response back (the channel is not writable); nil when it is
    /// writable, as then a stalled call waits for its client's flow-control window, not for the socket.
    var kernelSendWhenBlocked: SendProgressWatch.KernelSend? { isWritable ? nil : kernelSend }
}

#if os(Linux)
    /// The start of the kernel's `struct tcp_info` (linux/tcp.h), longer than glibc's: glibc's ends at
    /// `tcpi_total_retrans` (104 bytes), the kernel's goes on with `tcpi_pacing_rate`, `tcpi_max_pacing_rate` and
    /// `tcpi_bytes_acked` (offset 120). The kernel copies as much as asked of what it has, zeroing nothing: the
    /// memory is zeroed first by the option's read (NIO's `unsafeGetSocketOption` starts from a zeroed value).
    struct KernelTCPInfo: Sendable {
        var base = tcp_info()
        var pacingRate: UInt64 = 0
        var maxPacingRate: UInt64 = 0
        var bytesAcked: UInt64 = 0

        /// Whether Swift laid the fields out where the kernel puts them (it does, in declaration order).
        static let isKernelLayout = MemoryLayout<KernelTCPInfo>.offset(of: \.bytesAcked) == 120
    }
#endif
