import GRPCCore
import NIOHPACK

/// The order of a response's parts on the wire, as a pure value: the head waits for the first message or the
/// status (so that a status alone goes out trailers-only, in one block), a message follows the head, the status
/// ends the stream. Parts after the status are dropped.
public struct ServerResponseState: Sendable {
    private enum Phase: Sendable {
        /// Nothing written; the handler's metadata, if it gave some, waits here.
        case idle(Metadata)
        case streaming
        case closed
    }

    private var phase: Phase = .idle([:])

    public init() {}

    /// What a part turns into: header blocks and message bytes to write, in this order.
    public struct Output: Equatable, Sendable {
        public var head: HPACKHeaders?
        public var message: Bool
        /// The last block, which ends the stream.
        public var trailers: HPACKHeaders?

        static let nothing = Output(head: nil, message: false, trailers: nil)
    }

    public var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    public mutating func metadata(_ metadata: Metadata) -> Output {
        if case .idle(var held) = phase {
            held.add(contentsOf: metadata)
            phase = .idle(held)
        }
        return .nothing
    }

    /// A message: the head first when it has not gone out.
    public mutating func message() -> Output {
        switch phase {
        case .idle(let held):
            phase = .streaming
            return Output(head: GRPCFields.responseHead(held), message: true, trailers: nil)
        case .streaming:
            return Output(head: nil, message: true, trailers: nil)
        case .closed:
            return .nothing
        }
    }

    public mutating func status(_ status: Status, _ metadata: Metadata) -> Output {
        switch phase {
        case .idle(let held):
            phase = .closed
            return Output(head: nil, message: false, trailers: GRPCFields.trailers(status, metadata, head: held))
        case .streaming:
            phase = .closed
            return Output(head: nil, message: false, trailers: GRPCFields.trailers(status, metadata, head: nil))
        case .closed:
            return .nothing
        }
    }
}
