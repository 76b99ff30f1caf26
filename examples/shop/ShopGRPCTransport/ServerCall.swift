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
    private let control = Mutex(Control())

    private struct Control: Sendable {
        var cancellation = Cancellation.notYet
        /// The timer of the request's `grpc-timeout`, until the call has been handled.
        var deadline: Scheduled<Void>?
    }

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
        let cancelledBefore = control.withLock { control -> Bool in
            if case .cancelled = control.cancellation { return true }
            control.cancellation = .handle(handle)
            return false
        }
        if cancelledBefore { handle.cancel() }
    }

    /// The client reset the stream or went away: the handler is cancelled and its reads fail.
    func cancel(_ error: RPCError) {
        inbox.fail(error)
        cancelHandler()
    }

    /// Cancels the handler when `timeout` (the request's `grpc-timeout`) has passed, as grpc-swift's server does:
    /// what the request sent stays readable. One timer on the connection's loop, removed by `handled()`.
    func expire(after timeout: Duration, on loop: any EventLoop) {
        let timer = loop.scheduleTask(in: TimeAmount(timeout)) { self.cancelHandler() }
        control.withLock { $0.deadline = timer }
    }

    /// The handler has returned: its deadline's timer, if any, is removed from the loop.
    func handled() {
        control.withLock { $0.deadline.take() }?.cancel()
    }

    private func cancelHandler() {
        let handle = control.withLock { control -> ServerContext.RPCCancellationHandle? in
            defer { control.cancellation = .cancelled }
            if case .handle(let handle) = control.cancellation { return handle }
            return nil
        }
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
