import NIOCore
import NIOEmbedded
import Testing

@testable import ShopAMQP

@Suite struct AMQPHeartbeatTests {
    @Test func writeIdlenessSendsAHeartbeatReadIdlenessCloses() throws {
        let channel = EmbeddedChannel(handler: AMQPHeartbeatHandler())
        _ = try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()  // embedded: at once
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.write)
        let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(sent.readableBytesView) == [8, 0, 0, 0, 0, 0, 0, 0xCE])
        #expect(channel.isActive)
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(!channel.isActive, "two heartbeats without a byte from the broker: the connection is dropped")
    }

    @Test func heartbeatFramesNeverReachThePublisher() throws {
        let channel = EmbeddedChannel(handler: AMQPHeartbeatFilter())
        try channel.writeInbound(AMQPFrame(kind: .heartbeat, channel: 0, payload: ByteBuffer()))
        let method = AMQPFrame(kind: .method, channel: 1, payload: ByteBuffer(bytes: [0, 60, 0, 80]))
        try channel.writeInbound(method)
        #expect(try channel.readInbound(as: AMQPFrame.self) == method)
        #expect(try channel.readInbound(as: AMQPFrame.self) == nil)
    }
}
