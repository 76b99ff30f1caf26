import NIOCore
import ShopAMQP
import Testing

@Suite struct AMQPFramingTests {
    @Test func frameRoundTripAndPartialInput() throws {
        var wire = ByteBuffer()
        AMQPFrame(kind: .method, channel: 1, payload: ByteBuffer(bytes: [0, 10, 0, 41])).write(into: &wire)
        #expect(Array(wire.readableBytesView) == [1, 0, 1, 0, 0, 0, 4, 0, 10, 0, 41, 0xCE])
        var partial = wire.getSlice(at: 0, length: 11)!
        #expect(try AMQPFrame.read(from: &partial, maxSize: 1024) == nil)
        #expect(partial.readableBytes == 11, "nothing is consumed until the whole frame is there")
        let frame = try #require(try AMQPFrame.read(from: &wire, maxSize: 1024))
        #expect(frame.kind == .method && frame.channel == 1 && wire.readableBytes == 0)
        #expect(try AMQPIncoming.decode(frame.payload) == .connectionOpenOk)
    }

    @Test func badFramesAreErrors() {
        var noEnd = ByteBuffer(bytes: [8, 0, 0, 0, 0, 0, 0, 0x00])
        #expect(throws: AMQPError.protocolMismatch("frame without its end octet")) {
            try AMQPFrame.read(from: &noEnd, maxSize: 1024)
        }
        var header = ByteBuffer(bytes: AMQPFrame.protocolHeader)
        #expect(throws: AMQPError.self) { try AMQPFrame.read(from: &header, maxSize: 1024) }
        var huge = ByteBuffer(bytes: [3, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: AMQPError.protocolMismatch("frame of 2147483647 bytes is over the limit of 1024")) {
            try AMQPFrame.read(from: &huge, maxSize: 1024)
        }
        var unknown = ByteBuffer(bytes: [9, 0, 0, 0, 0, 0, 0, 0xCE])
        #expect(throws: AMQPError.protocolMismatch("unknown frame type 9")) {
            try AMQPFrame.read(from: &unknown, maxSize: 1024)
        }
    }

    @Test func publishIsMethodHeaderAndBodyFramesSplitAtFrameMax() throws {
        let body = [UInt8](repeating: 0x61, count: 25)
        var wire = ByteBuffer()
        try AMQPMessage(routingKey: "order.confirmed", messageID: "order-7-confirmed", body: body)
            .writeFrames(exchange: "shop.events", channel: 1, frameMax: 18, into: &wire)
        var frames: [AMQPFrame] = []
        while let frame = try AMQPFrame.read(from: &wire, maxSize: 1024) { frames.append(frame) }
        #expect(frames.map(\.kind) == [.method, .header, .body, .body, .body])
        #expect(frames.dropFirst(2).map(\.payload.readableBytes) == [10, 10, 5])
        var method = frames[0].payload
        #expect(method.readInteger(as: UInt16.self) == 60 && method.readInteger(as: UInt16.self) == 40)
        #expect(method.readInteger(as: UInt16.self) == 0)
        var header = frames[1].payload
        #expect(header.readInteger(as: UInt16.self) == 60)
        #expect(header.readInteger(as: UInt16.self) == 0)
        #expect(header.readInteger(as: UInt64.self) == 25)
        #expect(header.readInteger(as: UInt16.self) == 0b1001_0000_1000_0000)
        #expect(header.readInteger(as: UInt8.self) == 16)
        #expect(header.readString(length: 16) == "application/json")
        #expect(header.readInteger(as: UInt8.self) == 2, "persistent")
    }

    @Test func methodsDecode() throws {
        var tune = ByteBuffer()
        tune.writeInteger(UInt16(10)); tune.writeInteger(UInt16(30))
        tune.writeInteger(UInt16(2047)); tune.writeInteger(UInt32(131_072)); tune.writeInteger(UInt16(60))
        #expect(try AMQPIncoming.decode(tune) == .tune(channelMax: 2047, frameMax: 131_072, heartbeat: 60))
        var ack = ByteBuffer()
        ack.writeInteger(UInt16(60)); ack.writeInteger(UInt16(80))
        ack.writeInteger(UInt64(9)); ack.writeInteger(UInt8(1))
        #expect(try AMQPIncoming.decode(ack) == .ack(deliveryTag: 9, multiple: true))
        var close = ByteBuffer()
        close.writeInteger(UInt16(10)); close.writeInteger(UInt16(50)); close.writeInteger(UInt16(403))
        close.writeInteger(UInt8(3)); close.writeString("no!"); close.writeInteger(UInt32(0))
        #expect(try AMQPIncoming.decode(close) == .connectionClose(code: 403, text: "no!"))
        var short = ByteBuffer(bytes: [0, 60, 0, 80, 1])
        #expect(throws: AMQPError.self) { try AMQPIncoming.decode(short) }
        short.clear()
    }

    @Test func startOkCarriesPlainCredentials() throws {
        var payload = try AMQPOutgoing.startOk(user: "u", password: "p", product: "x").payload()
        #expect(payload.readInteger(as: UInt16.self) == 10 && payload.readInteger(as: UInt16.self) == 11)
        let tableSize = Int(payload.readInteger(as: UInt32.self)!)
        payload.moveReaderIndex(forwardBy: tableSize)
        #expect(try AMQPCodec.readShortString(from: &payload) == "PLAIN")
        #expect(payload.readInteger(as: UInt32.self) == 4)
        #expect(payload.readBytes(length: 4) == [0, 0x75, 0, 0x70])
        #expect(throws: AMQPError.self) {
            try AMQPOutgoing.basicPublish(exchange: String(repeating: "e", count: 256), routingKey: "k").payload()
        }
    }

    @Test func confirmsSettleSingleAndMultiple() {
        var confirms = AMQPConfirms()
        #expect(confirms.published(3) == 1...3)
        confirms.ack(2, multiple: false)
        #expect(confirms.outstanding == [1, 3])
        confirms.nack(3, multiple: true)
        #expect(confirms.settled && confirms.takeRefused() == [1, 3])
        #expect(confirms.published(2) == 4...5)
        confirms.ack(5, multiple: true)
        #expect(confirms.settled && confirms.takeRefused().isEmpty)
        confirms.ack(99, multiple: false)
        #expect(confirms.settled)
    }

    @Test func configurationFromURL() throws {
        let full = try AMQPConfiguration(url: "amqp://shop:s%40cret@127.0.0.1:5673/%2Fshop")
        #expect(full.user == "shop" && full.password == "s@cret" && full.host == "127.0.0.1")
        #expect(full.port == 5673 && full.virtualHost == "/shop")
        let plain = try AMQPConfiguration(url: "amqp://localhost")
        #expect(plain.user == "guest" && plain.port == 5672 && plain.virtualHost == "/")
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "http://localhost") }
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "amqp://localhost:0") }
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "amqp://:5672") }
    }
}
