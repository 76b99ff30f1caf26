import NIOCore

/// One AMQP 0-9-1 frame: `type channel size payload 0xCE`. A value type so that framing is tested without sockets.
public struct AMQPFrame: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case method = 1
        case header = 2
        case body = 3
        case heartbeat = 8
    }

    public var kind: Kind
    public var channel: UInt16
    public var payload: ByteBuffer

    public init(kind: Kind, channel: UInt16, payload: ByteBuffer) {
        self.kind = kind
        self.channel = channel
        self.payload = payload
    }

    /// The bytes a client sends first: "AMQP" 0 0 9 1.
    public static let protocolHeader: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]
    static let end: UInt8 = 0xCE

    /// Appends the frame's wire form to `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(channel)
        buffer.writeInteger(UInt32(payload.readableBytes))
        var payload = payload
        buffer.writeBuffer(&payload)
        buffer.writeInteger(Self.end)
    }

    /// Reads one whole frame from the front of `buffer`; nil (and nothing consumed) when more bytes are needed.
    /// Frames over `maxSize` payload bytes, unknown types and a missing end octet are errors: the peer is not
    /// speaking AMQP 0-9-1 (a broker refusing the version answers with its own protocol header).
    public static func read(from buffer: inout ByteBuffer, maxSize: Int) throws(AMQPError) -> AMQPFrame? {
        guard buffer.readableBytes >= 7 else { return nil }
        let start = buffer.readerIndex
        if buffer.getInteger(at: start, as: UInt8.self) == protocolHeader[0] {
            throw .protocolMismatch("the broker answered with a protocol header: it does not speak AMQP 0-9-1")
        }
        let type = buffer.getInteger(at: start, as: UInt8.self)!
        let channel = buffer.getInteger(at: start + 1, as: UInt16.self)!
        let size = Int(buffer.getInteger(at: start + 3, as: UInt32.self)!)
        guard let kind = Kind(rawValue: type) else { throw .protocolMismatch("unknown frame type \(type)") }
        guard size <= maxSize else { throw .protocolMismatch("frame of \(size) bytes is over the limit of \(maxSize)") }
        guard buffer.readableBytes >= 7 + size + 1 else { return nil }
        guard buffer.getInteger(at: start + 7 + size, as: UInt8.self) == end else {
            throw .protocolMismatch("frame without its end octet")
        }
        let payload = buffer.getSlice(at: start + 7, length: size)!
        buffer.moveReaderIndex(forwardBy: 7 + size + 1)
        return AMQPFrame(kind: kind, channel: channel, payload: payload)
    }
}

/// What can go wrong talking to the broker. Every case ends the connection; the publisher reconnects.
public enum AMQPError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The peer's bytes are not AMQP 0-9-1 as this client speaks it.
    case protocolMismatch(String)
    /// The broker closed the connection or channel with a reply code (403 ACCESS_REFUSED, 404 NOT_FOUND, ...).
    case closedByBroker(code: UInt16, text: String)
    /// The connection ended (reset, EOF, missed heartbeats, confirm timeout).
    case connectionLost(String)
    /// The broker refused a message (basic.nack): publish it again later.
    case nacked(deliveryTag: UInt64)
    /// A bad `amqp://` URL or setting.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .protocolMismatch(let text): "AMQP protocol error: \(text)"
        case .closedByBroker(let code, let text): "closed by the broker: \(code) \(text)"
        case .connectionLost(let text): "connection to the broker lost: \(text)"
        case .nacked(let tag): "the broker refused message \(tag) (basic.nack)"
        case .invalidConfiguration(let text): "invalid AMQP configuration: \(text)"
        }
    }
}
