import BerthGatewayCore
import BerthGatewayHTTP2
import Logging
import NIOCore

/// One client connection: parses each request head, routes it, hands it to a ready replica over a pooled
/// keep-alive connection and streams both bodies through unchanged, with backpressure both ways.
///
/// A thin shell around `ExchangeMachine`: channel and upstream events go into the machine, and the handler runs the
/// actions it returns (ClientHandler+Actions); bytes are forwarded as they arrive, only heads are parsed and
/// rewritten, and bodies are scanned just enough to know where they end (see `BerthGatewayCore`). Everything here
/// runs on the gateway's event loop.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The loop, read dozens of times per request: `unowned(unsafe)`, because a safe `unowned` reference costs a
    /// strong retain and release through the loop's side table at every use (~27 per request, ~3,000 instructions
    /// in the profile). Safe because `loopLifetime` keeps the loop alive as long as this handler.
    unowned(unsafe) let loop: GatewayLoop
    /// Keeps `loop` alive while this handler exists; never read. The loop holds a handler only while its connection
    /// is open (`clients`, the pool's waiters), so this makes no lasting cycle.
    private let loopLifetime: GatewayLoop
    let scheme: String
    var context: ChannelHandlerContext?
    /// The channel's allocator, taken once: `context.channel.allocator` retains and releases the channel and its
    /// pipeline at each use, several times per request.
    var allocator = ByteBufferAllocator()
    /// Client bytes not forwarded yet: a partial head, body bytes waiting for an upstream, pipelined requests.
    var inbound: ByteBuffer
    /// Decides the life of the connection and its exchange.
    var machine = ExchangeMachine()
    /// The bytes and handles of the machine's current exchange.
    var exchange: Exchange?
    /// Numbers connection attempts, so that a connect completing after its try was given up is recognised.
    var connectAttempt = 0
    /// The request id and head of a request refused before routing, for the actions that answer and log it.
    var refusal: Refusal?
    var clientAddress = "unknown"
    /// The peer is in `trust_forwarded`: its forwarding fields pass (decided once per connection).
    var trustedPeer = false
    /// Watches for a client that stopped reading (`send_timeout`).
    var sendWatch = SendProgressWatch()
    /// Watches the request body while the replica waits for it (`body_timeout`).
    var bodyWatch = BodyIdleWatch()
    /// A complete request head must arrive before this (set while a head is awaited after data arrived).
    var headerDeadline: NIODeadline?
    /// An idle keep-alive connection is closed at this instant.
    var idleDeadline: NIODeadline?
    /// Whether the channel reads (autoRead); changed only on backpressure, never per request.
    var reading = true
    /// The client's channel is writable, as its last writability change said (read per request: the channel's
    /// own `isWritable` costs a retain and release of the channel through the context).
    var clientWritable = true
    /// Bytes were written to the client since the last flush (see `flushClient`).
    var unflushed = false
    /// The last final response head, until its body's bytes join it or the next flush (see `HeldHead`).
    var heldHead = HeldHead()
    /// The last response is written and the sending side closed: reads are discarded (see `lingeringClose`).
    var lingering = false
    var lingeredBytes = 0
    /// Where the search for the end of a partly received request head stopped (no rescans of slow heads).
    var headProgress = HeadScanProgress()
    /// After a 101 Switching Protocols both sides are a plain byte tunnel.
    var tunnel: UpstreamHandler?
    /// The HTTP/2 side, set when some service is `h2c`/`grpc`: a request to one hands the connection over to it.
    var http2: HTTP2Gateway?

    init(loop: GatewayLoop, scheme: String) {
        self.loop = loop
        self.loopLifetime = loop
        self.scheme = scheme
        self.inbound = loop.emptyBuffer
    }

    var configuration: GatewayConfiguration { loop.configuration }

    /// The connection is closing or closed: no new request is read.
    var closing: Bool {
        switch machine.phase {
        case .closing, .closed: true
        case .idle, .waiting, .connecting, .sending, .streaming, .tunnel: false
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        inbound = loop.emptyBuffer
    }

    /// The context holds this handler, so keeping it past removal would keep both alive after the connection closed.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // Counted and capped by the ProtocolDetector in front of it, from the accept.
        if let address = context.channel.remoteAddress?.ipAddress { clientAddress = address }
        trustedPeer = AddressBlock.any(configuration.trustForwarded, contains: clientAddress)
        loop.register(self)
        armHeaderTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(machine.clientClosed())
        exchange = nil
        loop.unregister(self)
        context.fireChannelInactive()
    }

    /// The client's end of file with the connection still open for the answer (half-closure is allowed on cleartext
    /// HTTP/1.1 connections, see `ProtocolDetector`): `ExchangeMachine.clientInputClosed`.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            run(machine.clientInputClosed())
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if lingering {
            discardWhileLingering(buffer.readableBytes, context: context)
            return
        }
        if let tunnel {
            tunnel.write(buffer)
            return
        }
        if inbound.readableBytes == 0 {
            // The common case: take the read buffer as is (no copy); body slices forwarded from it keep only
            // this read's storage alive.
            inbound = buffer
        } else {
            inbound.writeBuffer(&buffer)
        }
        process()
        if inbound.readableBytes == 0, inbound.capacity > 0 {
            // Drop the read buffer once consumed: 10,000 idle keep-alive clients must not each pin one.
            inbound = loop.emptyBuffer
        }
        if inbound.readableBytes > configuration.limits.maxHeadBytes, machine.requestDone == true {
            // A client that pipelines (or floods) while its request is being answered is read no further for now;
            // reading resumes when the exchange ends.
            setReading(false)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let tunnel { tunnel.flush() }
        exchange?.upstream?.flush()
        // Not passed on by a plain HTTP/1.1 connection, whose last handler this is: the pipeline's tail discards
        // it, and the walk there cost ~140 instructions per read. A connection that may be handed to the HTTP/2
        // bridge passes it on (the bridge's handlers come after this one).
        if http2 != nil { context.fireChannelReadComplete() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        clientWritable = writable
        if writable {
            sendWatch.unblocked()
        } else {
            sendWatch.blocked(
                pending: pendingOutboundBytes, now: Int64(NIODeadline.now().uptimeNanoseconds),
                acked: context.channel.kernelSend?.acked)
        }
        tunnel?.setReading(writable)
        if machine.phase == .streaming, let upstream = exchange?.upstream { upstream.setReading(writable) }
        if machine.phase == .sending, let upstream = exchange?.upstream { upstream.setReading(writable) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The upstream's send buffer filled or drained: stop or resume reading the client's body.
    func upstreamWritabilityChanged(writable: Bool) {
        if tunnel != nil {
            setReading(writable)
        } else if machine.requestDone == false {
            setReading(writable)
            if writable {
                bodyWatch.start(now: Int64(NIODeadline.now().uptimeNanoseconds))
            } else {
                bodyWatch.stop()
            }
        }
    }

    func setReading(_ reading: Bool) {
        guard let context, !closing, reading != self.reading else { return }
        self.reading = reading
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: reading)
    }

    /// Closes the connection at once, outside of any exchange (limits, timers of an idle connection).
    func close() {
        run(machine.clientClosed())
        context?.close(promise: nil)
    }

    // MARK: Requests

    /// Works through the buffered client bytes: a new request head, or more body for the current exchange.
    func process() {
        switch machine.phase {
        case .sending, .streaming:
            if machine.requestDone == false { forwardRequestBody() }
            return
        case .waiting, .connecting, .tunnel, .closing, .closed:
            return
        case .idle:
            break
        }
        guard inbound.readableBytes > 0 else { return }
        // The head's field lines, as places in `inbound`'s readable bytes, in the loop's reused array (no String and
        // no allocation per field); they stay valid until the reader index moves, in `start`.
        var lines = loop.requestLines
        loop.requestLines = []
        defer {
            lines.removeAll(keepingCapacity: true)
            loop.requestLines = lines
        }
        let parsed: (head: RequestHead, length: Int)?
        do {
            var progress = headProgress
            parsed = try inbound.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                try HeadParser.parseRequest(bytes, limits: configuration.limits, progress: &progress, lines: &lines)
            }
            headProgress = progress
        } catch {
            headProgress = HeadScanProgress()
            refuse(status: error.status, message: error.message, requestID: loop.requestIDs.nextID(), head: nil)
            return
        }
        // Consumed, not copied: a copy of the parsed head retained and released its strings (~430 instructions).
        guard let (head, length) = consume parsed else {
            lines.removeAll(keepingCapacity: true)
            if headerDeadline == nil { armHeaderTimer() }
            return
        }
        if http2 != nil, routesToHTTP2(host: head.host, target: head.target) { return handOverToHTTP2() }
        headProgress = HeadScanProgress()
        headerDeadline = nil
        idleDeadline = nil
        start(head, lines: lines, length: length)
    }

    /// Routes a parsed head and starts its exchange; `lines` lie in `inbound`'s readable bytes, of which the head
    /// takes the first `length`. The head is consumed: it moves into the `Exchange` uncopied (each copy of a head
    /// retained and released its strings, ~2,500 instructions per request with three copies).
    private func start(_ head: consuming RequestHead, lines: [FieldLine], length headLength: Int) {
        // A client's id is kept only if plain: it goes into the access log and every service's logs.
        let requestID = clientRequestID(lines) ?? loop.requestIDs.nextID()
        guard let (routeIndex, target) = loop.routes.matchIndex(host: head.host, target: head.target) else {
            inbound.moveReaderIndex(forwardBy: headLength)
            refuse(status: 404, message: "no route for \(head.target)", requestID: requestID, head: head)
            return
        }
        let limit = loop.bodyLimits[routeIndex]
        if let limit, case .contentLength(let length) = head.framing, length > limit {
            inbound.moveReaderIndex(forwardBy: headLength)
            refuse(status: 413, message: "body larger than \(limit) bytes", requestID: requestID, head: head)
            return
        }
        // Room for the head as received and the fields the gateway adds; a larger one is written twice.
        let estimate = headLength + 256 + clientAddress.utf8.count + requestID.utf8Count
        let upstreamHead = inbound.withUnsafeReadableBytes { bytes in
            // Written from the read bytes: kept field lines are copied, changed ones appended; the route's target
            // replaces the head's in the request line (the head keeps the client's for the access log). Made here,
            // not captured: a captured rewrite was copied and destroyed twice per request.
            let rewrite = RequestRewrite(
                clientAddress: self.clientAddress, scheme: self.scheme, requestID: requestID,
                trustForwarded: self.trustedPeer, target: target)
            // Taken inside the closure: a buffer captured from outside is a second reference to its storage, so
            // the write copied it whole into new storage (~550 instructions and a malloc per request).
            let scratch = self.loop.headBuffers.take(allocator: self.allocator, estimate: estimate)
            return GatewayLoop.writeHead(into: scratch, estimate: estimate, head, rewrite) { head, rewrite, sink in
                RequestRewrite.write(head, lines: lines, in: bytes, rewrite: rewrite, into: &sink)
            }
        }
        inbound.moveReaderIndex(forwardBy: headLength)
        let exchange = Exchange(
            head: consume head, service: loop.routeTries[routeIndex].service, routeIndex: routeIndex,
            serviceID: loop.routeServices[routeIndex], requestID: requestID, upstreamHead: upstreamHead,
            limits: configuration.limits)
        exchange.bodyLimit = limit
        self.exchange = exchange
        bodyWatch.stop()  // A watch left by the previous exchange (it ended with its body unsent) is not this one's.
        // The route's settings read in place (a copy of the route retains and releases its strings).
        let request = ExchangeMachine.Request(
            idempotent: exchange.head.isIdempotent, hasBody: exchange.hasBody, keepAlive: exchange.head.keepAlive,
            maxAttempts: loop.routeTries[routeIndex].maxAttempts, timeout: loop.routeTries[routeIndex].timeout,
            deadline: loop.routeTries[routeIndex].deadline)
        run(machine.requestHead(request, now: .now))
    }

    /// The client's X-Request-Id (the first), if it sent a plain one (see `RequestIDCheck`).
    private func clientRequestID(_ lines: [FieldLine]) -> RequestID? {
        guard let line = lines.first(where: { $0.kind == .xRequestID }) else { return nil }
        let value = inbound.withUnsafeReadableBytes { bytes in
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.value]), as: UTF8.self)
        }
        return RequestIDCheck.isAcceptable(value) ? .text(value) : nil
    }

    /// Answers a request the gateway refuses before any replica (unparsable, no route, too large).
    func refuse(status: Int, message: String, requestID: RequestID, head: RequestHead?) {
        refusal = Refusal(requestID: requestID, head: head)
        // A refused request's body (if any) is not read: the connection cannot carry another request.
        run(machine.refuse(status: status, message: message, close: true, now: .now))
        refusal = nil
    }

    /// Moves buffered body bytes to the upstream, then reads more from the client if the upstream can take them.
    func forwardRequestBody() {
        guard let exchange, let upstream = exchange.upstream else { return }
        var done = false
        switch exchange.requestBody {
        case .none, .untilClose:
            done = true
        case .length(let remaining):
            let count = min(remaining, inbound.readableBytes)
            if count > 0, let slice = inbound.readSlice(length: count) {
                upstream.write(slice)
            }
            exchange.requestBody = .length(remaining: remaining - count)
            done = remaining - count == 0
        case .chunked(var scanner):
            do {
                let (consumed, finished) = try inbound.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                    try scanner.scan(bytes)
                }
                // Chunks pass unchanged; the trailer section passes filtered (see `TrailerFilter`).
                if scanner.passThrough > 0, let slice = inbound.readSlice(length: scanner.passThrough) {
                    upstream.write(slice)
                }
                inbound.moveReaderIndex(forwardBy: consumed - scanner.passThrough)
                if finished { upstream.write(ByteBuffer(bytes: scanner.takeTrailerSection())) }
                exchange.requestBody = .chunked(scanner)
                done = finished
                exchange.bodyBytes += consumed
                if let limit = exchange.bodyLimit, exchange.bodyBytes > limit {
                    run(machine.requestBodyTooLarge(limit: limit))
                    return
                }
            } catch {
                // No flush: the upstream connection is closed with whatever is still unflushed (at least the head,
                // when the bad chunk came with it), so it never receives a request the gateway refused.
                run(machine.requestBodyInvalid(why: error.message))
                return
            }
        }
        upstream.flush()
        bodyWatch.arrived()
        if done {
            bodyWatch.stop()
            run(machine.requestBodyDone())
        } else if !upstream.isWritable {
            bodyWatch.stop()  // The replica takes nothing now: the client's silence would be the gateway's.
            setReading(false)  // Resumed by `upstreamWritabilityChanged`.
        } else if !bodyWatch.isWatching {
            bodyWatch.start(now: Int64(NIODeadline.now().uptimeNanoseconds))
        }
    }
}
