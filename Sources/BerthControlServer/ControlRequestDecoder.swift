public import BerthControlProtocol
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Turns the bytes a client writes on the control socket into what the server makes of them, without a socket:
/// the server's own HTTP decoder configuration, `ControlRequestAssembler` and `ControlCommand.decode`, run on an
/// `EmbeddedChannel`. For tests and the `control-fuzz` harness, so that neither carries a copy of the decoding.
public enum ControlRequestDecoder {
    /// One request's fate: a command for the daemon, or the error the client gets (after which the server closes).
    public enum Outcome: Sendable, Equatable {
        case command(ControlCommand)
        case refused(ControlAPIError)
        /// The connection fails with an error that is not an HTTP one; the server closes without an answer.
        case dropped
    }

    /// Decodes `chunks`, delivered as separate reads, like the server does; stops where the server would close the
    /// connection (a refusal, or the end of a request without keep-alive).
    public static func decode(
        _ chunks: [[UInt8]],
        maxBodyBytes: Int = 1 << 20,
        maxHeadBytes: Int = 16 << 10
    ) -> [Outcome] {
        let channel = EmbeddedChannel()
        let collector = Collector(assembler: ControlRequestAssembler(maxBodyBytes: maxBodyBytes))
        do {
            try ControlServer.configureHTTP(channel.pipeline.syncOperations, maxHeadBytes: maxHeadBytes)
            try channel.pipeline.syncOperations.addHandler(collector)
            for chunk in chunks where !collector.closed {
                try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
            }
        } catch {
            collector.refuse(ControlRequestAssembler.malformed(error))
        }
        collector.closed = true
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return collector.outcomes
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart

        var assembler: ControlRequestAssembler
        var outcomes: [Outcome] = []
        var closed = false

        init(assembler: ControlRequestAssembler) {
            self.assembler = assembler
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !closed else { return }
            switch assembler.receive(unwrapInboundIn(data)) {
            case .none:
                break
            case .request(let request):
                do throws(ControlAPIError) {
                    let command = try ControlCommand.decode(
                        method: request.method, target: request.target, body: request.body)
                    outcomes.append(.command(command))
                } catch {
                    outcomes.append(.refused(error))
                }
                if !request.keepAlive { closed = true }
            case .refuse(let error):
                refuse(error)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            guard error is HTTPParserError else {
                if !closed { outcomes.append(.dropped) }
                closed = true
                return
            }
            refuse(ControlRequestAssembler.malformed(error))
        }

        func refuse(_ error: ControlAPIError) {
            guard !closed else { return }
            outcomes.append(.refused(error))
            closed = true
        }
    }
}
