import NIOCore

/// The methods this publisher sends, encoded as method-frame payloads (class id, method id, arguments).
/// Only what a confirming publisher needs: connection, channel, exchange/queue declare, bind, confirm, publish.
public enum AMQPOutgoing: Equatable, Sendable {
    case startOk(user: String, password: String, product: String)
    case tuneOk(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionOpen(virtualHost: String)
    case connectionClose
    case connectionCloseOk
    case channelOpen
    case channelCloseOk
    case exchangeDeclare(name: String, type: String, durable: Bool)
    case queueDeclare(name: String, durable: Bool)
    case queueBind(queue: String, exchange: String, routingKey: String)
    case confirmSelect
    case basicPublish(exchange: String, routingKey: String)

    public func payload() throws(AMQPError) -> ByteBuffer {
        var buffer = ByteBuffer()
        func ids(_ classID: UInt16, _ methodID: UInt16) {
            buffer.writeInteger(classID)
            buffer.writeInteger(methodID)
        }
        switch self {
        case .startOk(let user, let password, let product):
            ids(10, 11)
            AMQPCodec.writeTable([
                ("product", .string(product)),
                ("capabilities", .table([("publisher_confirms", .bool(true)), ("basic.nack", .bool(true))])),
            ], into: &buffer)
            try AMQPCodec.writeShortString("PLAIN", into: &buffer)
            AMQPCodec.writeLongString("\u{0}\(user)\u{0}\(password)", into: &buffer)
            try AMQPCodec.writeShortString("en_US", into: &buffer)
        case .tuneOk(let channelMax, let frameMax, let heartbeat):
            ids(10, 31)
            buffer.writeInteger(channelMax)
            buffer.writeInteger(frameMax)
            buffer.writeInteger(heartbeat)
        case .connectionOpen(let virtualHost):
            ids(10, 40)
            try AMQPCodec.writeShortString(virtualHost, into: &buffer)
            try AMQPCodec.writeShortString("", into: &buffer)
            buffer.writeInteger(UInt8(0))
        case .connectionClose:
            ids(10, 50)
            buffer.writeInteger(UInt16(200))
            try AMQPCodec.writeShortString("bye", into: &buffer)
            buffer.writeInteger(UInt16(0))
            buffer.writeInteger(UInt16(0))
        case .connectionCloseOk:
            ids(10, 51)
        case .channelOpen:
            ids(20, 10)
            try AMQPCodec.writeShortString("", into: &buffer)
        case .channelCloseOk:
            ids(20, 41)
        case .exchangeDeclare(let name, let type, let durable):
            ids(40, 10)
            buffer.writeInteger(UInt16(0))
            try AMQPCodec.writeShortString(name, into: &buffer)
            try AMQPCodec.writeShortString(type, into: &buffer)
            buffer.writeInteger(UInt8(durable ? 0b10 : 0))  // passive, durable, auto-delete, internal, no-wait
            AMQPCodec.writeTable([], into: &buffer)
        case .queueDeclare(let name, let durable):
            ids(50, 10)
            buffer.writeInteger(UInt16(0))
            try AMQPCodec.writeShortString(name, into: &buffer)
            buffer.writeInteger(UInt8(durable ? 0b10 : 0))  // passive, durable, exclusive, auto-delete, no-wait
            AMQPCodec.writeTable([], into: &buffer)
        case .queueBind(let queue, let exchange, let routingKey):
            ids(50, 20)
            buffer.writeInteger(UInt16(0))
            try AMQPCodec.writeShortString(queue, into: &buffer)
            try AMQPCodec.writeShortString(exchange, into: &buffer)
            try AMQPCodec.writeShortString(routingKey, into: &buffer)
            buffer.writeInteger(UInt8(0))
            AMQPCodec.writeTable([], into: &buffer)
        case .confirmSelect:
            ids(85, 10)
            buffer.writeInteger(UInt8(0))
        case .basicPublish(let exchange, let routingKey):
            ids(60, 40)
            buffer.writeInteger(UInt16(0))
            try AMQPCodec.writeShortString(exchange, into: &buffer)
            try AMQPCodec.writeShortString(routingKey, into: &buffer)
            buffer.writeInteger(UInt8(0))  // not mandatory, not immediate: the publisher declares the queue itself
        }
        return buffer
    }
}

/// The methods the broker sends that this publisher acts on; everything else is `.other` and ignored.
public enum AMQPIncoming: Equatable, Sendable {
    case start
    case tune(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionOpenOk
    case connectionClose(code: UInt16, text: String)
    case connectionCloseOk
    case channelOpenOk
    case channelClose(code: UInt16, text: String)
    case exchangeDeclareOk
    case queueDeclareOk(messageCount: UInt32)
    case queueBindOk
    case confirmSelectOk
    case ack(deliveryTag: UInt64, multiple: Bool)
    case nack(deliveryTag: UInt64, multiple: Bool)
    case other(classID: UInt16, methodID: UInt16)

    public static func decode(_ payload: ByteBuffer) throws(AMQPError) -> AMQPIncoming {
        var buffer = payload
        guard let classID = buffer.readInteger(as: UInt16.self), let methodID = buffer.readInteger(as: UInt16.self)
        else { throw .protocolMismatch("method frame shorter than its ids") }
        func closeArguments() throws(AMQPError) -> (UInt16, String) {
            guard let code = buffer.readInteger(as: UInt16.self) else { throw .protocolMismatch("short close") }
            return (code, try AMQPCodec.readShortString(from: &buffer))
        }
        func tag() throws(AMQPError) -> (UInt64, Bool) {
            guard let tag = buffer.readInteger(as: UInt64.self), let bits = buffer.readInteger(as: UInt8.self) else {
                throw .protocolMismatch("short basic.ack/nack")
            }
            return (tag, bits & 1 == 1)
        }
        switch (classID, methodID) {
        case (10, 10): return .start
        case (10, 30):
            guard let channelMax = buffer.readInteger(as: UInt16.self),
                let frameMax = buffer.readInteger(as: UInt32.self),
                let heartbeat = buffer.readInteger(as: UInt16.self)
            else { throw .protocolMismatch("short connection.tune") }
            return .tune(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)
        case (10, 41): return .connectionOpenOk
        case (10, 50):
            let (code, text) = try closeArguments()
            return .connectionClose(code: code, text: text)
        case (10, 51): return .connectionCloseOk
        case (20, 11): return .channelOpenOk
        case (20, 40):
            let (code, text) = try closeArguments()
            return .channelClose(code: code, text: text)
        case (40, 11): return .exchangeDeclareOk
        case (50, 11):
            _ = try AMQPCodec.readShortString(from: &buffer)
            guard let count = buffer.readInteger(as: UInt32.self) else { throw .protocolMismatch("short declare-ok") }
            return .queueDeclareOk(messageCount: count)
        case (50, 21): return .queueBindOk
        case (85, 11): return .confirmSelectOk
        case (60, 80):
            let (deliveryTag, multiple) = try tag()
            return .ack(deliveryTag: deliveryTag, multiple: multiple)
        case (60, 120):
            let (deliveryTag, multiple) = try tag()
            return .nack(deliveryTag: deliveryTag, multiple: multiple)
        default: return .other(classID: classID, methodID: methodID)
        }
    }
}

/// A message to publish: persistent (delivery mode 2), JSON, with a message id the consumers deduplicate on.
public struct AMQPMessage: Equatable, Sendable {
    public var routingKey: String
    public var messageID: String
    public var body: [UInt8]

    public init(routingKey: String, messageID: String, body: [UInt8]) {
        self.routingKey = routingKey
        self.messageID = messageID
        self.body = body
    }

    /// basic.publish, its content header and body frames (split to fit `frameMax`), appended to `buffer`.
    public func writeFrames(exchange: String, channel: UInt16, frameMax: UInt32, into buffer: inout ByteBuffer)
        throws(AMQPError)
    {
        AMQPFrame(kind: .method, channel: channel,
            payload: try AMQPOutgoing.basicPublish(exchange: exchange, routingKey: routingKey).payload())
            .write(into: &buffer)
        var header = ByteBuffer()
        header.writeInteger(UInt16(60))  // class basic
        header.writeInteger(UInt16(0))  // weight
        header.writeInteger(UInt64(body.count))
        header.writeInteger(UInt16(1 << 15 | 1 << 12 | 1 << 7))  // content-type, delivery-mode, message-id
        try AMQPCodec.writeShortString("application/json", into: &header)
        header.writeInteger(UInt8(2))  // persistent
        try AMQPCodec.writeShortString(messageID, into: &header)
        AMQPFrame(kind: .header, channel: channel, payload: header).write(into: &buffer)
        let chunk = max(1, Int(frameMax) - 8)
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunk)
            AMQPFrame(kind: .body, channel: channel, payload: ByteBuffer(bytes: body[offset..<end]))
                .write(into: &buffer)
            offset = end
        }
    }
}

/// AMQP's field encodings: short strings (<= 255 bytes), long strings and field tables.
public enum AMQPCodec {
    public indirect enum FieldValue: Sendable {
        case bool(Bool)
        case string(String)
        case table([Field])
    }

    public typealias Field = (String, FieldValue)

    public static func writeShortString(_ text: String, into buffer: inout ByteBuffer) throws(AMQPError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= 255 else { throw .invalidConfiguration("'\(text.prefix(40))...' is over 255 bytes") }
        buffer.writeInteger(UInt8(bytes.count))
        buffer.writeBytes(bytes)
    }

    public static func readShortString(from buffer: inout ByteBuffer) throws(AMQPError) -> String {
        guard let length = buffer.readInteger(as: UInt8.self), let text = buffer.readString(length: Int(length)) else {
            throw .protocolMismatch("short string runs past the frame")
        }
        return text
    }

    public static func writeLongString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
    }

    public static func writeTable(_ fields: [Field], into buffer: inout ByteBuffer) {
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        for (name, value) in fields {
            try? writeShortString(name, into: &buffer)
            switch value {
            case .bool(let flag):
                buffer.writeInteger(UInt8(ascii: "t"))
                buffer.writeInteger(UInt8(flag ? 1 : 0))
            case .string(let text):
                buffer.writeInteger(UInt8(ascii: "S"))
                writeLongString(text, into: &buffer)
            case .table(let inner):
                buffer.writeInteger(UInt8(ascii: "F"))
                writeTable(inner, into: &buffer)
            }
        }
        buffer.setInteger(UInt32(buffer.writerIndex - sizeIndex - 4), at: sizeIndex)
    }
}
