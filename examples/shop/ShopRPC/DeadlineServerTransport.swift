import GRPCCore
import NIOCore
import NIOPosix
import Synchronization

/// A server transport that keeps each call's `grpc-timeout` with a timer on NIO's event loop: it takes the header
/// out of the call's metadata before grpc-swift reads it, and when the time is up it cancels the call exactly as
/// grpc-swift would (`context.cancellation.cancel()`).
///
/// Why: grpc-swift's server keeps a call's timeout in a task group beside a `Task.sleep`, which libdispatch's timer
/// threads serve (not the event loop the shop's tasks run on); every saga call carries a timeout (up to 3 s), so
/// each server armed a dispatch timer per call and spent 7-12 % of its CPU in dispatch's threads. The timer here
/// lives in the loop's own heap and is removed when the call ends. A value that is not a valid `grpc-timeout` stays
/// in the metadata for grpc-swift, which ignores it, as before.
public struct DeadlineServerTransport<Base: ServerTransport>: ServerTransport {
    public typealias Bytes = Base.Bytes

    public let base: Base

    public init(_ base: Base) {
        self.base = base
    }

    public func configure(context: GRPCServerContext) {
        base.configure(context: context)
    }

    public func listen(
        streamHandler:
            @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async ->
            Void
    ) async throws {
        try await base.listen { stream, context in
            let timer = CallTimer()
            let inbound = stream.inbound.map { @Sendable part -> RPCRequestPart<Bytes> in
                guard case .metadata(var metadata) = part,
                    let value = metadata[stringValues: GRPCTimeout.key].first(where: { _ in true }),
                    let timeout = GRPCTimeout.decode(value)
                else { return part }
                metadata.removeAllValues(forKey: GRPCTimeout.key)
                let cancellation = context.cancellation
                timer.start(in: timeout) { cancellation.cancel() }
                return .metadata(metadata)
            }
            await streamHandler(
                RPCStream(
                    descriptor: stream.descriptor, inbound: RPCAsyncSequence(wrapping: inbound),
                    outbound: stream.outbound),
                context)
            timer.cancel()
        }
    }

    public func beginGracefulShutdown() {
        base.beginGracefulShutdown()
    }
}

/// The one timer of a call: started when its metadata arrives, cancelled when the call has been handled.
final class CallTimer: Sendable {
    private let scheduled = Mutex<Scheduled<Void>?>(nil)

    func start(in duration: Duration, _ expire: @escaping @Sendable () -> Void) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let timer = loop.scheduleTask(in: TimeAmount(duration), expire)
        scheduled.withLock { $0 = timer }
    }

    func cancel() {
        scheduled.withLock { $0.take() }?.cancel()
    }
}
