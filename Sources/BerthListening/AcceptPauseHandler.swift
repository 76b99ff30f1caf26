public import Logging
public import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps a listener from spinning when the process is out of file descriptors.
///
/// accept(2) then fails with EMFILE at every wake-up, and NIO (2.101) leaves the listening socket registered for
/// reading after a failed accept, so the event loop would call accept in a busy loop (NIO's `AcceptBackoffHandler`
/// only delays the next `read()`, which never comes into play). This handler, on the server channel, turns
/// `autoRead` off for `pause` (which unregisters the socket), turns it on again after, and logs the condition at most
/// once per `warnEvery`. Connections wait in the kernel's backlog meanwhile.
public final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = any Channel

    private let listener: String
    private let logger: Logger
    private let pause: TimeAmount
    private let warnEvery: TimeAmount
    private var paused = false
    private var lastWarning: NIODeadline?
    private var failures = 0

    public init(
        listener: String, logger: Logger, pause: TimeAmount = .seconds(1), warnEvery: TimeAmount = .seconds(10)
    ) {
        self.listener = listener
        self.logger = logger
        self.pause = pause
        self.warnEvery = warnEvery
    }

    /// errno values after which accepting again at once cannot succeed.
    public static func isResourceShortage(_ error: any Error) -> Bool {
        guard let error = error as? IOError else { return false }
        return [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isResourceShortage(error) else {
            context.fireErrorCaught(error)
            return
        }
        failures += 1
        let now = NIODeadline.now()
        if lastWarning.map({ now - $0 >= warnEvery }) ?? true {
            lastWarning = now
            logger.warning(
                "\(listener): cannot accept connections, pausing accept for \(pause.nanoseconds / 1_000_000) ms",
                metadata: ["error": "\(error)", "failures": "\(failures)"]
            )
        }
        guard !paused, let options = context.channel.syncOptions else { return }
        paused = true
        try? options.setOption(.autoRead, value: false)
        let channel = context.channel
        context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
            paused = false
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}
