import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// One call on a client connection: its response inbox (read by the caller's task) and the request state the
/// connection's event loop keeps.
final class ClientCall: @unchecked Sendable {
    let descriptor: MethodDescriptor
    let inbox: CallInbox<RPCResponsePart<GRPCBuffer>>
    let connection: NIOLoopBound<ClientConnectionHandler>

    // Touched only on the connection's event loop (`connection.eventLoop`): hence `@unchecked Sendable`.
    /// The request head, built from the call's metadata, until it is written.
    var head: HPACKHeaders?
    /// Given when the head is written (stream ids must be opened in order, so not before).
    var streamID: HTTP2StreamID?
    var requestEnded = false
    /// The request's last message, framed, held until the loop's turn ends: if the request ends in the same turn
    /// (a unary call), the message goes out with END_STREAM in one DATA frame instead of two.
    var heldMessage: ByteBuffer?
    /// The response's status arrived (or the call failed): nothing more is read or written.
    var done = false

    init(
        descriptor: MethodDescriptor, inboxLimit: Int, connection: NIOLoopBound<ClientConnectionHandler>
    ) {
        self.descriptor = descriptor
        inbox = CallInbox(limit: inboxLimit)
        self.connection = connection
    }

    /// Runs `work` with the connection's handler on its loop.
    func onLoop(_ work: @escaping @Sendable (ClientConnectionHandler, ClientCall) -> Void) {
        let loop = connection.eventLoop
        if loop.inEventLoop {
            work(connection.value, self)
        } else {
            loop.execute { work(self.connection.value, self) }
        }
    }
}

/// The caller's side of a call's request.
struct ClientCallWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCRequestPart<GRPCBuffer>

    let call: ClientCall

    func write(_ element: RPCRequestPart<GRPCBuffer>) async throws {
        call.onLoop { handler, call in handler.send(element, for: call) }
    }

    func write(contentsOf elements: some Sequence<RPCRequestPart<GRPCBuffer>>) async throws {
        for element in elements { try await write(element) }
    }

    func finish() async {
        call.onLoop { handler, call in handler.endRequest(call) }
    }

    func finish(throwing error: any Error) async {
        call.onLoop { handler, call in handler.reset(call, RPCError(code: .cancelled, message: "the caller gave up")) }
    }
}
