import BerthGatewayCore
import Logging
import NIOCore

/// One client connection: parses each request head, routes it, hands it to a ready replica over a pooled
/// keep-alive connection and streams both bodies through unchanged, with backpressure both ways.
///
/// Bytes are forwarded as they arrive; only heads are parsed and rewritten, and bodies are scanned just enough to
/// know where they end (see `BerthGatewayCore`). The handler's state lives on the gateway's event loop.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    unowned let loop: GatewayLoop
    let scheme: String
    var context: ChannelHandlerContext?
    /// Client bytes not forwarded yet: a partial head, body bytes waiting for an upstream, pipelined requests.
    var inbound: ByteBuffer
    var exchange: Exchange?
    var clientAddress = "unknown"
    /// The peer is in `trust_forwarded`: its forwarding fields pass (decided once per connection).
    var trustedPeer = false
    /// Watches for a client that stopped reading (`send_timeout`).
    var sendWatch = SendProgressWatch()
    /// A complete request head must arrive before this (set while a head is awaited after data arrived).
    var headerDeadline: NIODeadline?
    /// An idle keep-alive connection is closed at this instant.
    var idleDeadline: NIODeadline?
    /// Whether the channel reads (autoRead); changed only on backpressure, never per request.
    var reading = true
    var closing = false
    /// The current response ends the connection (client asked for close, or the response is close-delimited).
    var closeAfterResponse = false
    /// The last response is written and the sending side closed: reads are discarded (see `lingeringClose`).
    var lingering = false
    var lingeredBytes = 0
    /// Where the search for the end of a partly received request head stopped (no rescans of slow heads).
    var headProgress = HeadScanProgress()
    /// After a 101 Switching Protocols both sides are a plain byte tunnel.
    var tunnel: UpstreamHandler?

    init(loop: GatewayLoop, scheme: String) {
        self.loop = loop
        self.scheme = scheme
        self.inbound = loop.emptyBuffer
    }

    var configuration: GatewayConfiguration { loop.configuration }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        inbound = loop.emptyBuffer
    }

    func channelActive(context: ChannelHandlerContext) {
        loop.clientConnections += 1
        if let address = context.channel.remoteAddress?.ipAddress { clientAddress = address }
        trustedPeer = AddressBlock.any(configuration.trustForwarded, contains: clientAddress)
        if loop.clientConnections > configuration.maxClientConnections {
            context.close(promise: nil)
            return
        }
        loop.register(self)
        armHeaderTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.clientConnections -= 1
        closing = true
        loop.unregister(self)
        giveUpUpstreams()
        context.fireChannelInactive()
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
        if let exchange, exchange.requestDone, inbound.readableBytes > configuration.limits.maxHeadBytes {
            // A client that pipelines (or floods) while its request is being answered is read no further for now;
            // reading resumes when the exchange ends.
            setReading(false)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let tunnel { tunnel.flush() }
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        if writable {
            sendWatch.unblocked()
        } else {
            sendWatch.blocked(pending: pendingOutboundBytes, now: Int64(NIODeadline.now().uptimeNanoseconds))
        }
        tunnel?.setReading(writable)
        if let upstream = exchange?.upstream, !(exchange?.responseDone ?? true) { upstream.setReading(writable) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The upstream's send buffer filled or drained: stop or resume reading the client's body.
    func upstreamWritabilityChanged(writable: Bool) {
        if tunnel != nil {
            setReading(writable)
        } else if let exchange, !exchange.requestDone {
            setReading(writable)
        }
    }

    func setReading(_ reading: Bool) {
        guard let context, !closing, reading != self.reading else { return }
        self.reading = reading
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: reading)
    }

    // MARK: Requests

    /// Works through the buffered client bytes: a new request head, or more body for the current exchange.
    func process() {
        guard !closing else { return }
        if let exchange {
            if exchange.upstream != nil, !exchange.requestDone { forwardRequestBody(exchange) }
            return
        }
        guard inbound.readableBytes > 0 else { return }
        let parsed: (head: RequestHead, length: Int)?
        do {
            var progress = headProgress
            parsed = try inbound.withUnsafeReadableBytes { bytes throws(HTTPFramingError) in
                try HeadParser.parseRequest(bytes, limits: configuration.limits, progress: &progress)
            }
            headProgress = progress
        } catch {
            headProgress = HeadScanProgress()
            let requestID = loop.requestIDs.next()
            logRefusal(status: error.status, requestID: requestID, head: nil)
            respondError(status: error.status, message: error.message, requestID: requestID, close: true)
            return
        }
        guard let (head, length) = parsed else {
            if headerDeadline == nil { armHeaderTimer() }
            return
        }
        inbound.moveReaderIndex(forwardBy: length)
        headProgress = HeadScanProgress()
        headerDeadline = nil
        idleDeadline = nil
        start(head)
    }

    private func start(_ head: RequestHead) {
        // A client's id is kept only if plain: it goes into the access log and every service's logs.
        let requestID = head.requestID.flatMap { RequestIDCheck.isAcceptable($0) ? $0 : nil }
            ?? loop.requestIDs.next()
        guard let (route, target) = loop.routes.match(host: head.host, target: head.target) else {
            logRefusal(status: 404, requestID: requestID, head: head)
            respondError(status: 404, message: "no route for \(head.target)", requestID: requestID, close: true)
            return
        }
        let limit = configuration.maxBodyBytesByRoute[RouteKey(route.host, route.path)] ?? configuration.maxBodyBytes
        if let limit, case .contentLength(let length) = head.framing, length > limit {
            logRefusal(status: 413, requestID: requestID, head: head)
            respondError(status: 413, message: "body larger than \(limit) bytes", requestID: requestID, close: true)
            return
        }
        var upstreamHead = context!.channel.allocator.buffer(capacity: 512)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        var forwarded = head
        forwarded.target = target
        let rewrite = RequestRewrite(
            clientAddress: clientAddress, scheme: scheme, requestID: requestID, trustForwarded: trustedPeer)
        RequestRewrite.serialize(forwarded, rewrite: rewrite, into: &bytes)
        upstreamHead.writeBytes(bytes)
        let exchange = Exchange(
            head: head, route: route, requestID: requestID, upstreamHead: upstreamHead, limits: configuration.limits)
        exchange.bodyLimit = limit
        self.exchange = exchange
        dispatch(exchange)
    }

    /// Sends the exchange to a ready replica, waits for one while the service is starting, or answers 503.
    func dispatch(_ exchange: Exchange) {
        let service = exchange.route.service
        let excluded = loop.stillTried(service: service, exchange.tried)
        guard let replica = loop.pick(service: service, excluding: excluded) else {
            if loop.canWait(service: service) {
                // No ready replica now, but one is starting or restarting: hold the request (a retry too).
                let deadline = NIODeadline.now() + TimeAmount(configuration.queueTimeout)
                let waiter = GatewayLoop.Waiter(deadline: deadline) { [weak self, weak exchange] replica in
                    guard let self, let exchange, self.exchange === exchange else { return }
                    exchange.waiter = nil
                    if let replica {
                        self.send(exchange, to: replica)
                    } else {
                        self.fail(exchange, status: 503, message: "no ready replica of \(service)")
                    }
                }
                exchange.waiter = waiter
                loop.wait(service: service, waiter: waiter)
            } else if exchange.tried.isEmpty {
                fail(exchange, status: 503, message: "no ready replica of \(service)")
            } else {
                fail(exchange, status: 502, message: "every replica of \(service) failed")
            }
            return
        }
        send(exchange, to: replica)
    }

    private func send(_ exchange: Exchange, to replica: UpstreamBalancer.Replica) {
        let service = exchange.route.service
        exchange.attempts += 1
        exchange.tried[replica.id] = replica.generation
        exchange.replica = replica
        exchange.lastReplica = replica
        loop.started(service: service, id: replica.id)
        let key = UpstreamKey(service: service, id: replica.id, port: replica.port)
        if let upstream = loop.takeIdle(key) {
            attach(exchange, upstream)
            return
        }
        loop.acquire(key).whenComplete { [weak self] result in
            guard let self, self.exchange === exchange, !self.closing else {
                if case .success(let upstream) = result { self?.loop.release(upstream, reusable: true) }
                // Account for the try unless whoever ended the exchange meanwhile (client gone, deadline) did:
                // a second `finished` would lower the in-flight count of another request, which drains wait on.
                if exchange.replica == replica {
                    exchange.replica = nil
                    self?.loop.finished(
                        service: service, id: replica.id, generation: replica.generation, outcome: .notJudged)
                }
                return
            }
            switch result {
            case .success(let upstream):
                self.attach(exchange, upstream)
            case .failure:
                self.loop.finished(service: service, id: replica.id, generation: replica.generation, outcome: .connectFailed)
                self.retryOrFail(exchange, status: 502, message: "could not connect to \(service).\(replica.index)")
            }
        }
    }

    private func attach(_ exchange: Exchange, _ upstream: UpstreamHandler) {
        exchange.upstream = upstream
        upstream.client = self
        upstream.uses += 1
        if !(context?.channel.isWritable ?? true) { upstream.setReading(false) }
        upstream.write(exchange.upstreamHead)
        exchange.sentAnything = true
        let now = NIODeadline.now()
        exchange.upstreamStartedAt = now
        exchange.deadline = now + TimeAmount(exchange.route.timeout ?? configuration.upstreamTimeout)
        if exchange.requestDone {
            upstream.flush()
        } else {
            forwardRequestBody(exchange)
        }
    }

    /// Moves buffered body bytes to the upstream, then reads more from the client if the upstream can take them.
    func forwardRequestBody(_ exchange: Exchange) {
        guard let upstream = exchange.upstream else { return }
        switch exchange.requestBody {
        case .none, .untilClose:
            exchange.requestDone = true
        case .length(let remaining):
            let count = min(remaining, inbound.readableBytes)
            if count > 0, let slice = inbound.readSlice(length: count) {
                upstream.write(slice)
            }
            exchange.requestBody = .length(remaining: remaining - count)
            exchange.requestDone = remaining - count == 0
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
                exchange.requestDone = finished
                exchange.bodyBytes += consumed
                if let limit = exchange.bodyLimit, exchange.bodyBytes > limit {
                    tooLarge(exchange, limit: limit)
                    return
                }
            } catch {
                // No flush: the upstream connection is closed with whatever is still unflushed (at least the head,
                // when the bad chunk came with it), so it never receives a request the gateway refused.
                respondError(status: 400, message: error.message, requestID: exchange.requestID, close: true)
                abandon(exchange)
                return
            }
        }
        upstream.flush()
        if exchange.requestDone {
            if exchange.responseDone { finish(exchange) }
        } else if !upstream.isWritable {
            setReading(false)  // Resumed by `upstreamWritabilityChanged`.
        }
    }
}
