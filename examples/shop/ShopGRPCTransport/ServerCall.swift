import GRPCCore
import NIOCore
import NIOHTTP2
import Synchronization

/// One call on a server connection: what the event loop and the call's task share.
///
/// The inbox carries the request's parts to the task; the task's writes go to the connection's event loop (at once
/// when the task runs there, as the shop's tasks do, `ServiceMain.takeOverConcurrency`). The loop cancels the call
/// (its `RPCCancellationHandle`) when the client resets the stream or the connection closes.
final class ServerCall: Sendable {
    let streamID: HTTP2StreamID
    let descriptor: MethodDescriptor
    let inbox: CallInbox<RPCRequestPart<GRPCBuffer>>
    let connection: NIOLoopBound<ServerConnectionHandler>
    private let cancellation = Mutex<Cancellation>(.notYet)

    private enum Cancellation: Sendable {
        case notYet
        case handle(ServerContext.RPCCancellationHandle)
        case cancelled
    }

    init(
        streamID: HTTP2StreamID, descriptor: MethodDescriptor, inboxLimit: Int,
        connection: NIOLoopBound<ServerConnectionHandler>
    ) {
        self.streamID = streamID
        self.descriptor = descriptor
        inbox = CallInbox(limit: inboxLimit)
        self.connection = connection
    }

    /// The task's handle: a cancellation that came before it is applied at once.
    func attach(_ handle: ServerContext.RPCCancellationHandle) {
        let cancelledBefore = cancellation.withLock { state -> Bool in
            if case .cancelled = state { return true }
            state = .handle(handle)
            return false
        }
        if cancelledBefore { handle.cancel() }
    }

    /// The client reset the stream or went away: the handler is cancelled and its reads fail.
    func cancel(_ error: RPCError) {
        let handle = cancellation.withLock { state -> ServerContext.RPCCancellationHandle? in
            defer { state = .cancelled }
            if case .handle(let handle) = state { return handle }
            return nil
        }
        inbox.fail(error)
        handle?.cancel()
    }

    /// A response part, written on the connection's loop.
    func write(_ part: RPCResponsePart<GRPCBuffer>) {
        let loop = connection.eventLoop
        if loop.inEventLoop {
            connection.value.write(part, for: self)
        } else {
            loop.execute { self.connection.value.write(part, for: self) }
        }
    }
}

/// The task's side of a call's response.
struct ServerCallWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCResponsePart<GRPCBuffer>

    let call: ServerCall

    func write(_ element: RPCResponsePart<GRPCBuffer>) async throws {
        call.write(element)
    }

    func write(contentsOf elements: some Sequence<RPCResponsePart<GRPCBuffer>>) async throws {
        for element in elements { call.write(element) }
    }

    /// grpc-swift writes the status before it finishes; a finish without one is answered `internalError`.
    func finish() async {
        call.write(.status(Status(code: .internalError, message: "the handler ended without a status"), [:]))
    }

    func finish(throwing error: any Error) async {
        let status =
            (error as? RPCError).map { Status(code: Status.Code($0.code), message: $0.message) }
            ?? Status(code: .unknown, message: "the handler failed")
        call.write(.status(status, [:]))
    }
}
