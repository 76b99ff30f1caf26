import BerthGatewayCore
import BerthGatewayHTTP2
import NIOCore

extension ClientHandler: RemovableChannelHandler {
    /// Whether a request routes to an `h2c`/`grpc` service; then the connection is handed to the HTTP/2 side's
    /// HTTP/1.1 bridge (`HTTP2Gateway.bridgeHTTP1`), which serves it from this request on: its replicas speak
    /// only HTTP/2. Set only on connections of a gateway that has such services, so others pay nothing.
    func routesToHTTP2(host: String?, target: String) -> Bool {
        guard let (index, _) = loop.routes.matchIndex(host: host, target: target) else { return false }
        return loop.routeSpeaksHTTP2[index]
    }

    /// Hands the connection over: the bridge's handlers go after this one, get the unparsed bytes (the request
    /// head that decided included), and this handler leaves the pipeline, its timers and the loop's list.
    func handOverToHTTP2() {
        guard let http2, let context else { return }
        let bytes = inbound
        inbound = loop.emptyBuffer
        headProgress = HeadScanProgress()
        headerDeadline = nil
        idleDeadline = nil
        // The bridge closes on the client's end of file, as it always did (see `ProtocolDetector`).
        try? context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: false)
        do {
            try http2.bridgeHTTP1(context.channel, after: self, scheme: scheme, clientAddress: clientAddress)
        } catch {
            context.close(promise: nil)
            return
        }
        loop.unregister(self)
        if !reading { setReading(true) }
        context.fireChannelRead(NIOAny(bytes))
        context.fireChannelReadComplete()
        // Leaving the pipeline calls `handlerRemoved`, which drops the context (it holds this handler).
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }
}
