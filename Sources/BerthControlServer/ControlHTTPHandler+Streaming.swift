import BerthControlProtocol
import NIOCore
import NIOHTTP1

extension ControlHTTPHandler {
    /// Streams log entries or events as chunked NDJSON (or SSE), one flush per entry. Each write is awaited before the next entry is
    /// taken from the stream, so a slow client slows the reader down instead of growing a buffer here; the task is
    /// cancelled (which finishes the `AsyncStream`) when the client goes away.
    func startStreaming<Element: Sendable>(
        _ stream: AsyncStream<Element>, contentType: String, keepAlive: Bool, context: ChannelHandlerContext,
        encode: @escaping @Sendable (Element) -> [UInt8]
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)

        let channel = context.channel
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        streamTask = Task {
            var completed = true
            for await entry in stream {
                let buffer = channel.allocator.buffer(bytes: encode(entry))
                do {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).get()
                } catch {
                    completed = false
                    break
                }
            }
            let finished = completed && !Task.isCancelled
            channel.eventLoop.execute {
                bound.value.handler.streamEnded(finished: finished, keepAlive: keepAlive, context: bound.value.context)
            }
        }
    }

    private func streamEnded(finished: Bool, keepAlive: Bool, context: ChannelHandlerContext) {
        streamTask = nil
        guard finished, case .responding = state else {
            state = .closing
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { result in
            switch result {
            case .success: self.responseFinished(keepAlive: keepAlive, context: context)
            case .failure:
                self.state = .closing
                context.close(promise: nil)
            }
        }
    }
}
