import BerthGatewayCore
import Logging
import NIOCore

extension ClientHandler {
    /// Bytes from the exchange's upstream: the response head (parsed and rewritten), then its body, unchanged.
    func upstreamRead(_ buffer: ByteBuffer) {
        if let tunnel, tunnel.client === self {
            context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        guard let exchange, let upstream = exchange.upstream, !exchange.responseDone else { return }
        var buffer = buffer
        if !exchange.responseHeadDone {
            if exchange.responseBuffer == nil || exchange.responseBuffer!.readableBytes == 0 {
                exchange.responseBuffer = buffer
            } else {
                exchange.responseBuffer!.writeBuffer(&buffer)
            }
            guard readResponseHeads(exchange, upstream) else { return }
            buffer = exchange.responseBuffer ?? ByteBuffer()
            exchange.responseBuffer = nil
            if tunnel != nil {
                if buffer.readableBytes > 0 { context?.write(wrapOutboundOut(buffer), promise: nil) }
                context?.flush()
                return
            }
        }
        forwardResponseBody(exchange, upstream, &buffer)
    }

    /// Parses heads from the buffered response; returns true once the final head was written to the client.
    private func readResponseHeads(_ exchange: Exchange, _ upstream: UpstreamHandler) -> Bool {
        while true {
            let parsed: (head: ResponseHead, length: Int)?
            do {
                var progress = exchange.responseProgress
                parsed = try exchange.responseBuffer!.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                    try HeadParser.parseResponse(
                        bytes, requestMethod: exchange.head.method, limits: configuration.responseLimits,
                        progress: &progress
                    )
                }
                exchange.responseProgress = progress
            } catch {
                badUpstreamResponse(exchange, upstream, "an invalid response head (\(error.responseMessage))")
                return false
            }
            guard let (head, length) = parsed else { return false }
            exchange.responseBuffer!.moveReaderIndex(forwardBy: length)
            exchange.responseProgress = HeadScanProgress()
            exchange.deadline = nil
            var bytes: [UInt8] = []
            bytes.reserveCapacity(length + 64)
            if head.isInformational && head.status != 101 {
                // 100 Continue and friends: pass on, then wait for the final head.
                ResponseRewrite.serialize(
                    head, requestID: exchange.requestID, keepAlive: true, clientVersion: exchange.head.version,
                    into: &bytes
                )
                writeToClient(exchange, bytes)
                context?.flush()
                continue
            }
            exchange.responseHeadDone = true
            exchange.responseStatus = head.status
            let upgrading = head.status == 101 && exchange.head.upgrade != nil
            // An HTTP/1.0 client cannot read a chunked body's end: it gets the bytes and a closed connection.
            let http10Chunked = exchange.head.version == .http1_0 && head.framing == .chunked
            let keepAlive = exchange.head.keepAlive && head.framing != .untilClose && !upgrading && !http10Chunked
            exchange.responseKeepAlive = head.keepAlive && head.framing != .untilClose
            ResponseRewrite.serialize(
                head, requestID: exchange.requestID, keepAlive: keepAlive || upgrading,
                clientVersion: exchange.head.version, into: &bytes
            )
            if !keepAlive && !upgrading { closeAfterResponse = true }
            writeToClient(exchange, bytes)
            if upgrading {
                startTunnel(exchange, upstream)
                return true
            }
            switch head.framing {
            case .none: exchange.responseBody = .none
            case .contentLength(let length): exchange.responseBody = .length(remaining: length)
            case .chunked: exchange.responseBody = .chunked(ChunkedBodyScanner(limits: configuration.responseLimits))
            case .untilClose: exchange.responseBody = .untilClose
            }
            return true
        }
    }

    private func forwardResponseBody(_ exchange: Exchange, _ upstream: UpstreamHandler, _ buffer: inout ByteBuffer) {
        var done = false
        switch exchange.responseBody {
        case .none:
            done = true
        case .length(let remaining):
            let count = min(remaining, buffer.readableBytes)
            if count > 0, let slice = buffer.readSlice(length: count) { writeToClient(exchange, slice) }
            exchange.responseBody = .length(remaining: remaining - count)
            done = remaining - count == 0
        case .chunked(var scanner):
            do {
                let (consumed, finished) = try buffer.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                    try scanner.scan(bytes)
                }
                // Chunks pass unchanged; the trailer section passes filtered (see `TrailerFilter`).
                if scanner.passThrough > 0, let slice = buffer.readSlice(length: scanner.passThrough) {
                    writeToClient(exchange, slice)
                }
                buffer.moveReaderIndex(forwardBy: consumed - scanner.passThrough)
                if finished { writeToClient(exchange, scanner.takeTrailerSection()) }
                exchange.responseBody = .chunked(scanner)
                done = finished
            } catch {
                badUpstreamResponse(exchange, upstream, "an invalid chunked body (\(error.responseMessage))")
                return
            }
        case .untilClose:
            if buffer.readableBytes > 0 { writeToClient(exchange, buffer) }
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        context?.flush()
        if buffer.readableBytes > 0 {
            // Bytes after the end of the response: the replica broke framing; do not reuse the connection.
            exchange.responseKeepAlive = false
        }
        if done { responseComplete(exchange) }
    }

    func writeToClient(_ exchange: Exchange, _ bytes: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        writeToClient(exchange, buffer)
    }

    private func writeToClient(_ exchange: Exchange, _ buffer: ByteBuffer) {
        exchange.wroteToClient = true
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func responseComplete(_ exchange: Exchange) {
        exchange.responseDone = true
        if exchange.requestDone {
            finish(exchange)
        } else {
            // The replica answered before reading the whole body (e.g. 413): the rest of the body cannot be
            // framed on this client connection any more, so neither connection is reused.
            exchange.responseKeepAlive = false
            closeAfterResponse = true
            finish(exchange)
        }
    }

    /// The exchange is over: return the upstream to the pool, log it, and go on with the connection.
    func finish(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        self.exchange = nil
        exchange.deadline = nil
        if let replica = exchange.replica, let upstream = exchange.upstream {
            loop.finished(service: exchange.route.service, id: replica.id, generation: replica.generation, outcome: .success)
            loop.release(upstream, reusable: exchange.responseKeepAlive && exchange.requestDone)
        }
        logAccess(exchange, status: exchange.responseStatus)
        continueAfterExchange()
    }

    func continueAfterExchange() {
        guard let context, !closing else { return }
        if closeAfterResponse {
            closing = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                self.lingeringClose(context)
            }
            return
        }
        context.flush()
        armIdleTimer()
        if inbound.readableBytes > 0 {
            process()
        }
        if exchange == nil { setReading(true) }
    }

    private func startTunnel(_ exchange: Exchange, _ upstream: UpstreamHandler) {
        self.exchange = nil
        exchange.deadline = nil
        if let replica = exchange.replica {
            loop.finished(service: exchange.route.service, id: replica.id, generation: replica.generation, outcome: .success)
        }
        logAccess(exchange, status: 101)
        tunnel = upstream
        if inbound.readableBytes > 0, let rest = inbound.readSlice(length: inbound.readableBytes) {
            upstream.write(rest)
            upstream.flush()
        }
        setReading(true)
    }

    /// A request ended: counts it in the metrics and writes its access-log line.
    func logAccess(_ exchange: Exchange, status: Int) {
        let now = NIODeadline.now()
        let elapsed = (now - exchange.startedAt).nanoseconds
        loop.metrics.completed(
            route: exchange.route, status: status, nanoseconds: elapsed, attempts: exchange.attempts,
            second: Int64(now.uptimeNanoseconds / 1_000_000_000))
        guard configuration.accessLog else { return }
        loop.logAccess(
            method: exchange.head.method, path: exchange.head.target, status: status,
            service: exchange.route.service, index: exchange.lastReplica?.index,
            upstreamNanoseconds: exchange.upstreamStartedAt.map { (now - $0).nanoseconds }, totalNanoseconds: elapsed,
            requestID: exchange.requestID)
    }
}

extension ClientHandler {
    /// A request refused before it reached a replica (unparsable head, no route, too large: 400, 404, 413, 414,
    /// 431, 501, 505) still leaves an access-log line, with `-` for what is unknown; `head` is nil when the head
    /// could not be parsed.
    func logRefusal(status: Int, requestID: String, head: RequestHead?) {
        guard configuration.accessLog else { return }
        loop.logAccess(
            method: head?.method ?? "-", path: head?.target ?? "-", status: status, service: nil, index: nil,
            upstreamNanoseconds: nil, totalNanoseconds: 0, requestID: requestID)
    }
}
