import GRPCCore
import NIOCore

/// gRPC's length-prefixed messages inside a stream's DATA frames: a flag byte (1 = compressed), a 4-byte big-endian
/// length, the message. Frames and messages do not line up: a frame may hold several messages or part of one.
public struct GRPCMessageDeframer: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// The compressed flag, though this transport never offers an encoding (`grpc-accept-encoding` is identity).
        case compressed
        /// A message longer than the limit: it is refused before it is buffered.
        case tooLarge(length: Int, limit: Int)
    }

    public let maxMessageBytes: Int
    private var pending: ByteBuffer?

    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Whether bytes of an unfinished message are held (at the end of the stream, a truncated message).
    public var holdsPartialMessage: Bool { (pending?.readableBytes ?? 0) > 0 }

    /// The bytes held, to bound what a peer can make the transport keep.
    public var heldBytes: Int { pending?.readableBytes ?? 0 }

    public mutating func append(_ data: ByteBuffer) {
        guard data.readableBytes > 0 else { return }
        if pending == nil || pending!.readableBytes == 0 {
            pending = data
        } else {
            pending!.writeImmutableBuffer(data)
        }
    }

    /// The next whole message, nil until one is complete.
    public mutating func next() throws(Failure) -> ByteBuffer? {
        guard var buffer = pending, buffer.readableBytes >= 5 else { return nil }
        let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)!)
        guard flag == 0 else { throw .compressed }
        guard length <= maxMessageBytes else { throw .tooLarge(length: length, limit: maxMessageBytes) }
        guard buffer.readableBytes >= 5 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        let message = buffer.readSlice(length: length)!
        pending = buffer.readableBytes == 0 ? nil : buffer
        return message
    }
}

public enum GRPCMessageFramer {
    /// `message` with its 5-byte prefix (uncompressed), in one buffer.
    public static func frame(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var framed = allocator.buffer(capacity: 5 + message.readableBytes)
        framed.writeInteger(UInt8(0))
        framed.writeInteger(UInt32(message.readableBytes))
        framed.writeImmutableBuffer(message)
        return framed
    }
}

extension GRPCMessageDeframer.Failure {
    /// How the call ends: a compressed message is malformed here, a long one too big.
    public var status: Status {
        switch self {
        case .compressed:
            Status(code: .internalError, message: "a compressed message without grpc-encoding")
        case .tooLarge(let length, let limit):
            Status(code: .resourceExhausted, message: "a message of \(length) bytes, above the limit of \(limit)")
        }
    }
}

/// A stream's inbound side, the same for a server's request and a client's response: DATA deframed into the call's
/// inbox, and the credit that reopens the stream's flow-control window once half of it was used.
struct StreamInbound {
    var deframer: GRPCMessageDeframer
    private var credit = 0
    private let window: Int

    init(maxMessageBytes: Int, window: Int) {
        deframer = GRPCMessageDeframer(maxMessageBytes: maxMessageBytes)
        self.window = window
    }

    enum Outcome {
        /// Taken; the WINDOW_UPDATE increment to send for the stream, if one is due.
        case taken(windowIncrement: Int?)
        /// The call ends with this status.
        case failed(Status)
    }

    /// Takes a DATA frame (`length` as flow control counts it): every message it completes goes into `inbox`.
    mutating func take<Part: Sendable>(
        _ bytes: ByteBuffer, length: Int, endStream: Bool, into inbox: CallInbox<Part>,
        as part: (GRPCBuffer) -> Part
    ) -> Outcome {
        deframer.append(bytes)
        do throws(GRPCMessageDeframer.Failure) {
            while let message = try deframer.next() {
                guard inbox.push(part(GRPCBuffer(message)), bytes: message.readableBytes) else {
                    return .failed(
                        Status(code: .resourceExhausted, message: "the call's unread messages passed the limit"))
                }
            }
        } catch {
            return .failed(error.status)
        }
        guard !endStream else { return .taken(windowIncrement: nil) }
        credit += length
        guard credit >= window / 2 else { return .taken(windowIncrement: nil) }
        defer { credit = 0 }
        return .taken(windowIncrement: credit)
    }
}
