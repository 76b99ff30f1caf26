import NIOCore

extension ClientHandler {
    /// How long, and how many bytes, a closing connection keeps reading (and discarding) what the client still sends.
    static let lingerTime = TimeAmount.seconds(1)
    static let lingerBytes = 256 << 10

    /// Closes the connection after its last response (such as a 400 or 431 to a hostile request) without losing
    /// that response: closing a socket that still holds unread client bytes makes the kernel send a reset, which
    /// can destroy the response before the client reads it. So the gateway first closes only its sending side
    /// (the client reads the response, then end of file), discards what the client still sends, and closes
    /// entirely when the client closes, after `lingerTime`, or after `lingerBytes`, whichever comes first
    /// (RFC 9112 §9.6; nginx's lingering close).
    func lingeringClose(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        lingering = true
        inbound.clear()
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        context.close(mode: .output).whenFailure { _ in context.close(promise: nil) }
        context.eventLoop.scheduleTask(in: Self.lingerTime) { context.close(promise: nil) }
    }

    /// Counts and drops bytes read while lingering; closes once too many arrived.
    func discardWhileLingering(_ count: Int, context: ChannelHandlerContext) {
        lingeredBytes += count
        if lingeredBytes > Self.lingerBytes { context.close(promise: nil) }
    }
}
