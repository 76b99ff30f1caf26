import BerthGatewayCore
import Logging
import NIOCore

extension ClientHandler {
    /// Bytes from the exchange's upstream: the response head (parsed and rewritten), then its body, unchanged.
    func upstreamRead(_ buffer: ByteBuffer) {
        if let tunnel, tunnel.client === self {
            writeHeldHead()
            context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        guard let exchange, exchange.upstream != nil else { return }
        var buffer = buffer
        switch machine.phase {
        case .sending:
            if exchange.responseBuffer == nil || exchange.responseBuffer!.readableBytes == 0 {
                exchange.responseBuffer = buffer
            } else {
                exchange.responseBuffer!.writeBuffer(&buffer)
            }
            guard readResponseHeads(exchange) else { return }
            buffer = exchange.responseBuffer ?? ByteBuffer()
            exchange.responseBuffer = nil
            if tunnel != nil {
                if buffer.readableBytes > 0 { writeToClient(buffer) }
                flushClient()
                return
            }
        case .streaming:
            break
        case .idle, .waiting, .connecting, .tunnel, .closing, .closed:
            return
        }
        forwardResponseBody(exchange, &buffer)
    }

    /// Parses heads from the buffered response; returns true once the final head was written to the client.
    private func readResponseHeads(_ exchange: Exchange) -> Bool {
        guard context != nil else { return false }
        while true {
            // The loop's reused array of field lines: no allocation per response.
            var lines = loop.fieldLines
            loop.fieldLines = []
            defer {
                lines.removeAll(keepingCapacity: true)
                loop.fieldLines = lines
            }
            let rewritten: RewrittenResponseHead?
            do {
                rewritten = try rewriteResponseHead(exchange, lines: &lines, allocator: allocator)
            } catch {
                run(machine.responseInvalid(why: "an invalid response head (\(error.responseMessage))"))
                return false
            }
            guard let rewritten else { return false }
            exchange.responseBuffer!.moveReaderIndex(forwardBy: rewritten.length)
            exchange.responseProgress = HeadScanProgress()
            if rewritten.isInformational && rewritten.status != 101 {
                writeToClient(rewritten.bytes)
                // 100 Continue and friends: pass on, then wait for the final head.
                flushClient()
                run(machine.informationalHead())
                continue
            }
            // Held until the body bytes of this read join it (see `HeldHead`): a small response is one write.
            writeHeadToClient(rewritten.bytes)
            exchange.responseKeepAlive = rewritten.upstreamKeepAlive && rewritten.framing != .untilClose
            switch rewritten.framing {
            case .none: exchange.responseBody = .none
            case .contentLength(let length): exchange.responseBody = .length(remaining: length)
            case .chunked: exchange.responseBody = .chunked(ChunkedBodyScanner(limits: configuration.responseLimits))
            case .untilClose: exchange.responseBody = .untilClose
            }
            run(
                machine.responseHead(
                    status: rewritten.status, clientKeepAlive: rewritten.keepAlive,
                    closeDelimited: rewritten.framing == .untilClose, upgrade: rewritten.upgrading))
            return true
        }
    }

    /// A response head parsed from the buffered response and rewritten for the client: the parsed head's few
    /// fields read after the rewrite, not the head itself (each copy of a `ResponseHead` retained and released its
    /// strings and arrays: ~580 instructions per response in the profile).
    private struct RewrittenResponseHead {
        var status: Int
        var isInformational: Bool
        var framing: BodyFraming
        /// The replica's connection can carry another request (as the replica's head says).
        var upstreamKeepAlive: Bool
        /// Of the head in the buffered response.
        var length: Int
        /// The rewritten head, for the client.
        var bytes: ByteBuffer
        /// The client connection can carry another request after this response.
        var keepAlive: Bool
        /// A 101 to an upgrade the client asked for: the connection becomes a tunnel.
        var upgrading: Bool
    }

    /// Parses the head at the start of the buffered response and rewrites it straight from the read bytes (field
    /// lines copied as bytes, see `ResponseRewrite.write`); nil while it is incomplete.
    private func rewriteResponseHead(
        _ exchange: Exchange, lines: inout [FieldLine], allocator: ByteBufferAllocator
    ) throws(HTTPFramingError) -> RewrittenResponseHead? {
        var progress = exchange.responseProgress
        defer { exchange.responseProgress = progress }
        // The request's fields read one by one: a copy of the whole head retains and releases each of its strings.
        let method = exchange.head.method
        let clientVersion = exchange.head.version
        let clientKeepAlive = exchange.head.keepAlive
        let askedUpgrade = exchange.head.upgrade != nil
        let requestID = exchange.requestID
        let limits = configuration.responseLimits
        let loop = self.loop
        return try exchange.responseBuffer!.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
            guard
                let (head, length) = try HeadParser.parseResponse(
                    bytes, requestMethod: method, limits: limits, progress: &progress, lines: &lines)
            else { return nil }
            // RFC 9110 §15.2.2: no switch the client did not ask for. Passed on, the client took the connection for
            // switched while the gateway read on in HTTP/1.1 (audit7); the replica broke the protocol: 502.
            if head.switchesProtocols && !askedUpgrade {
                throw .badRequest("101 Switching Protocols to a request without Upgrade")
            }
            // Room for the head as received and the fields the gateway adds; a larger one is written twice.
            let estimate = length + 128 + requestID.utf8Count
            let scratch = loop.headBuffers.take(allocator: allocator, estimate: estimate)
            if head.isInformational && head.status != 101 {
                let out = GatewayLoop.writeHead(into: scratch, estimate: estimate, head, requestID) {
                    [lines] head, requestID, sink in
                    ResponseRewrite.write(
                        head, lines: lines, in: bytes, requestID: requestID, keepAlive: true,
                        clientVersion: clientVersion, into: &sink)
                }
                return RewrittenResponseHead(
                    status: head.status, isInformational: true, framing: head.framing,
                    upstreamKeepAlive: head.keepAlive,
                    length: length, bytes: out, keepAlive: true, upgrading: false)
            }
            let upgrading = head.status == 101 && askedUpgrade
            // An HTTP/1.0 client cannot read a chunked body's end: it gets the bytes and a closed connection.
            let http10Chunked = clientVersion == .http1_0 && head.framing == .chunked
            let keepAlive = clientKeepAlive && head.framing != .untilClose && !upgrading && !http10Chunked
            let out = GatewayLoop.writeHead(into: scratch, estimate: estimate, head, requestID) {
                [lines] head, requestID, sink in
                ResponseRewrite.write(
                    head, lines: lines, in: bytes, requestID: requestID, keepAlive: keepAlive || upgrading,
                    clientVersion: clientVersion, into: &sink)
            }
            return RewrittenResponseHead(
                status: head.status, isInformational: head.isInformational, framing: head.framing,
                upstreamKeepAlive: head.keepAlive, length: length, bytes: out, keepAlive: keepAlive,
                upgrading: upgrading)
        }
    }

    private func forwardResponseBody(_ exchange: Exchange, _ buffer: inout ByteBuffer) {
        var done = false
        switch exchange.responseBody {
        case .none:
            done = true
        case .length(let remaining):
            let count = min(remaining, buffer.readableBytes)
            // Flushed with the write (`flushClient` below then has nothing left to do).
            if count > 0, let slice = buffer.readSlice(length: count) { writeAndFlushClient(slice) }
            exchange.responseBody = .length(remaining: remaining - count)
            done = remaining - count == 0
        case .chunked(var scanner):
            do {
                let (consumed, finished) = try buffer.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                    try scanner.scan(bytes)
                }
                // Chunks pass unchanged; the trailer section passes filtered (see `TrailerFilter`).
                if scanner.passThrough > 0, let slice = buffer.readSlice(length: scanner.passThrough) {
                    writeToClient(slice)
                }
                buffer.moveReaderIndex(forwardBy: consumed - scanner.passThrough)
                if finished { writeToClient(scanner.takeTrailerSection()) }
                exchange.responseBody = .chunked(scanner)
                done = finished
            } catch {
                flushClient()
                run(machine.responseInvalid(why: "an invalid chunked body (\(error.responseMessage))"))
                return
            }
        case .untilClose:
            if buffer.readableBytes > 0 { writeToClient(buffer) }
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        flushClient()
        if buffer.readableBytes > 0 {
            // Bytes after the end of the response: the replica broke framing; do not reuse the connection.
            exchange.responseKeepAlive = false
        }
        if done { run(machine.endResponse(reusable: exchange.responseKeepAlive)) }
    }

    func writeToClient(_ bytes: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        writeToClient(buffer)
    }

    func writeToClient(_ buffer: ByteBuffer) { writeToClient(buffer, flush: false) }

    /// As `writeToClient` followed by `flushClient`, with the last write and the flush in one call through the
    /// pipeline (`writeAndFlush`: ~130 instructions fewer than two calls).
    func writeAndFlushClient(_ buffer: ByteBuffer) { writeToClient(buffer, flush: true) }

    /// `buffer` after the held head, if any; `flush`: the last write flushes.
    private func writeToClient(_ buffer: ByteBuffer, flush: Bool) {
        guard let context else { return }
        unflushed = !flush
        func send(_ buffer: ByteBuffer, flushing: Bool) {
            if flushing {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            } else {
                context.write(wrapOutboundOut(buffer), promise: nil)
            }
        }
        guard let (first, then) = heldHead.join(buffer) else { return send(buffer, flushing: flush) }
        send(first, flushing: flush && then == nil)
        loop.headBuffers.give(first)
        if let then { send(then, flushing: flush) }
    }

    /// Writes a final response head: held until its body's first bytes (or the flush) join it.
    func writeHeadToClient(_ buffer: ByteBuffer) {
        guard let context else { return }
        unflushed = true
        if let earlier = heldHead.hold(buffer) {
            context.write(wrapOutboundOut(earlier), promise: nil)
            loop.headBuffers.give(earlier)
        }
    }

    /// Writes a held head now (before the connection closes or another write bypasses `writeToClient`).
    func writeHeldHead() {
        guard let context, let head = heldHead.take() else { return }
        context.write(wrapOutboundOut(head), promise: nil)
        loop.headBuffers.give(head)
    }

    /// Flushes what was written to the client, if anything: a response is flushed once (after its body's bytes of
    /// this read), not again when the exchange ends (a flush of nothing still walks the pipeline).
    func flushClient() {
        guard unflushed, let context else { return }
        unflushed = false
        writeHeldHead()
        context.flush()
    }

    /// A request ended: counts it in the metrics and writes its access-log line.
    func logAccess(_ exchange: Exchange, status: Int, attempts: Int, replica: UpstreamBalancer.Replica?) {
        let now = NIODeadline.now()
        let elapsed = (now - exchange.startedAt).nanoseconds
        loop.metrics.completed(
            routeIndex: exchange.routeIndex, status: status, nanoseconds: elapsed, attempts: attempts,
            second: Int64(now.uptimeNanoseconds / 1_000_000_000))
        guard configuration.accessLog else { return }
        loop.logAccess(
            method: exchange.head.method, path: exchange.head.target, status: status,
            service: exchange.service, index: replica?.index,
            upstreamNanoseconds: exchange.upstreamStartedAt.map { (now - $0).nanoseconds }, totalNanoseconds: elapsed,
            requestID: exchange.requestID)
    }

    /// A request refused before it reached a replica (unparsable head, no route, too large: 400, 404, 413, 414,
    /// 431, 501, 505) still leaves an access-log line, with `-` for what is unknown; `head` is nil when the head
    /// could not be parsed.
    func logRefusal(status: Int, requestID: RequestID, head: RequestHead?) {
        guard configuration.accessLog else { return }
        loop.logAccess(
            method: head?.method ?? "-", path: head?.target ?? "-", status: status, service: nil, index: nil,
            upstreamNanoseconds: nil, totalNanoseconds: 0, requestID: requestID)
    }
}
