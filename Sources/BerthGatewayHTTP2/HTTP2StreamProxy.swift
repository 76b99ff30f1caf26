import BerthGatewayCore
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// One client stream (one request, one gRPC call): routes it, balances it on its own over the service's ready
/// replicas, opens a stream to the replica on a pooled multiplexed connection and passes frames both ways with
/// backpressure. Replays the request on another replica while it provably never reached one (connect failure,
/// REFUSED_STREAM, GOAWAY), never after the response started. The gateway's own errors are gRPC statuses for gRPC
/// calls and plain HTTP responses otherwise.
final class HTTP2StreamProxy: ChannelInboundHandler, RemovableChannelHandler, SweepListed {
    typealias InboundIn = CallFrame
    typealias OutboundOut = CallFrame

    /// Request bytes kept for a replay; a larger request is not replayed (gRPC unary calls fit easily).
    static let maxReplayBytes = 64 * 1024

    let gateway: HTTP2Gateway
    /// `http` or `https`, for X-Forwarded-Proto towards HTTP/1.1 replicas.
    let scheme: String
    var clientAddress = "unknown"
    /// The gateway's backend, kept here: read through `gateway` at each use, it was retained and released each time
    /// (~9 times a call, slowly: the backend is referenced weakly, so its counts live in a side table).
    let backend: any HTTP2Backend
    /// The client's side of the call: its stream on a frame-level client connection, or the channel this handler
    /// sits in (the HTTP/1.1 bridge).
    var client: (any ClientLeg)?
    var method = "-"
    var path = "-"
    var requestID: RequestID = .text("")
    var isGRPC = false
    var route: HTTP2Route?
    /// The request's path as sent to the replica (the route may strip its prefix).
    var upstreamPath = "/"
    var headersSeen = false
    /// Request frames not yet written upstream (waiting for the stream to open).
    var pending = CallFrameQueue()
    /// Request frames written upstream on the current try, for a replay.
    var sent = CallFrameQueue()
    var sentBytes = 0
    var replayable = true
    var upstream: (any UpstreamLeg)?
    var replica: UpstreamBalancer.Replica?
    /// Tries so far, the current one's number: a replica's events from an earlier try are told apart by it.
    var attempts = 0
    /// The replicas of the earlier tries, which the next pick excludes (empty on a first try: a call allocates no
    /// set, and hashes no id, unless it is retried).
    var tried: Set<Int> = []
    var triesLeft = 0
    var responseStarted = false
    var responseEnded = false
    /// The response's last frame is being written to the client (see `clientWentAway`).
    var responseEnding = false
    var requestEnded = false
    /// The current try's in-flight count was given back to the balancer.
    var tryReported = true
    var httpStatus = 0
    var grpcStatus: Int?
    var done = false
    var upstreamNeedsFlush = false
    /// The client's request body was held (`start`) until a replica's stream opens; not when the request ended with
    /// its head, which has no body to hold.
    var clientPaused = false
    let startedAt: NIODeadline
    var upstreamStartedAt: NIODeadline?
    /// When the call's `grpc-timeout` runs out (the replica enforces it too, and may cancel first).
    var callDeadlineAt: NIODeadline?
    var callTimeoutText = ""
    /// When the current try's response head is due (the route's `timeout`). Both deadlines are checked by the
    /// gateway's sweep (`HTTP2Gateway.checkDeadlines`), not by a timer per call: scheduling and cancelling two
    /// timers per call was a measurable part of the per-stream cost.
    var headDeadline: NIODeadline?
    /// Registered with the gateway's deadline sweep.
    var tracked = false
    /// Its position in the sweep's list (`SweepList`).
    var sweepSlot: Int?
    /// Since when the client has taken none of the response: its stream (its flow-control window) or its connection
    /// (the socket) is full, and the replica is not read. The sweep ends the call after `send_timeout` of that, as
    /// the HTTP/1.1 side closes a stalled client: before (outside audit, audit7) an HTTP/2 client that stopped
    /// reading held its HTTP/1.1 replica's connection, and a single-threaded replica with it, for as long as it
    /// kept its own connection open.
    var clientStalledSince: NIODeadline?
    /// The bytes the client's kernel had acknowledged when `clientStalledSince` was last set, when its socket was
    /// what held the response back (`SendProgressWatch.minimumProgress` is asked of it per `send_timeout`).
    var clientAckedMark: UInt64?
    /// The client's request body while the replica waits for it (`body_timeout`): watched while the call reads the
    /// client, until the request or the call ends or the response starts.
    var bodyWatch = BodyIdleWatch()

    init(gateway: HTTP2Gateway, scheme: String) {
        self.gateway = gateway
        self.backend = gateway.backend
        self.scheme = scheme
        startedAt = gateway.now
    }

    func handlerAdded(context: ChannelHandlerContext) {
        client = ContextClientLeg(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context holds this handler: kept, it would keep every finished call in memory (LeakSanitizer in the
        // http2 fuzz target: about 1.7 KB per stream). And an HTTP/1.1 bridge replaces a finished call's proxy with
        // the next one's: late replica events find no context to write to.
        client = nil
    }

    // MARK: Client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clientRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        clientReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientWentAway()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream error (the client reset it, or broke the protocol on it): the stream is closing.
        clientWentAway()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        clientWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    /// A frame of the client's request.
    func clientRead(_ payload: CallFrame) {
        switch payload {
        case .headers(let headers):
            if headersSeen {
                let trailers = Self.forwardedTrailers(headers).map { CallFrame.headers($0) }
                forwardRequest(trailers ?? payload, endStream: headers.endStream)
            } else {
                headersSeen = true
                start(headers.headers, endStream: headers.endStream)
            }
        case .data(let data):
            forwardRequest(payload, endStream: data.endStream)
        case .rstStream:
            clientWentAway()
        default:
            break
        }
    }

    func clientReadComplete() {
        if upstreamNeedsFlush, let upstream {
            upstreamNeedsFlush = false
            upstream.flush()
        }
    }

    func clientWritabilityChanged(_ writable: Bool) {
        // The client stopped taking the response: stop reading the replica (its window then closes).
        upstream?.setReading(writable)
        if writable {
            clientStalledSince = nil
        } else if !done, clientStalledSince == nil {
            clientStalledSince = gateway.now
            clientAckedMark = client?.kernelSend?.acked
            trackDeadlines()
        }
    }

    /// `send_timeout` passed without the client taking any of the response. Unless the kernel sent enough of its
    /// connection's bytes meanwhile (a slow reader behind a large socket buffer, as on the HTTP/1.1 side:
    /// `SendProgressWatch`), the call ends: its client stream reset (CANCEL), its replica's stream or connection
    /// closed, not judged.
    private func clientStalled(_ now: NIODeadline) {
        if let sent = client?.kernelSend,
            SendProgressWatch.isProgress(sent, since: clientAckedMark, timeout: gateway.sendTimeout.nanoseconds)
        {
            clientStalledSince = now - .nanoseconds(sent.idle)
            clientAckedMark = sent.acked
            return
        }
        clientStalledSince = nil
        client?.close()
        clientWentAway()
    }

    private func start(_ headers: HTTP2Fields, endStream: Bool) {
        let fields = RequestFields(headers)
        method = fields.method ?? "-"
        path = fields.path ?? "-"
        isGRPC = fields.isGRPC
        requestID =
            fields.requestID.flatMap { RequestIDCheck.isAcceptable($0) ? RequestID.text($0) : nil }
            ?? backend.nextRequestID()
        if endStream { requestEnded = true }
        guard method != "CONNECT" else {
            return fail(.unimplemented, "CONNECT is not supported through the gateway")
        }
        // The HTTP/1.1 parser's rules (RequestTargetCheck): visible ASCII only, and a path that could climb out of
        // its route is refused.
        do throws(HTTPFramingError) {
            try RequestTargetCheck.checkTarget(path)
        } catch {
            guard case .badRequest(let reason) = error else { return fail(.invalidArgument, "invalid path") }
            return fail(.invalidArgument, reason)
        }
        // A `host` field must name what `:authority` names (RFC 9113 §8.3.1) and be a host: the route is chosen by
        // one, and a replica would otherwise read the other (and X-Forwarded-Host a value with spaces or `/`).
        let authority = fields.authority
        let hostField = fields.host
        if let hostField {
            guard HeadParser.isValidHost(hostField) else { return fail(.invalidArgument, "invalid host field") }
            if let authority, authority.lowercased() != hostField.lowercased() {
                return fail(.invalidArgument, "the host field differs from :authority")
            }
        }
        let host = authority ?? hostField
        guard path.hasPrefix("/"), let (route, upstreamPath) = backend.http2Route(host: host, path: path) else {
            return fail(.unimplemented, "no route for \(path)")
        }
        self.route = route
        self.upstreamPath = upstreamPath
        let forwarding =
            route.upstreamProtocol.isHTTP2
            ? Forwarding(clientAddress: clientAddress, scheme: scheme, host: host ?? "localhost") : nil
        let upstreamHeaders = Self.upstreamHeaders(
            headers, path: upstreamPath, requestID: requestID, fields: fields, forwarding: forwarding)
        pending.append(.headers(.init(headers: upstreamHeaders, endStream: endStream)))
        sentBytes = 0
        // Until a replica's stream is open, the request's body waits in the client's flow-control window, not here
        // (a request that ended has no body to wait: its stream's window is not touched, here nor when it opens).
        if !endStream {
            clientPaused = true
            client?.setReading(false)
        }
        triesLeft = route.retries
        if let text = fields.grpcTimeout, let timeout = GRPCTimeout.parse(text) {
            callDeadlineAt = startedAt + TimeAmount(timeout)
            callTimeoutText = text
            trackDeadlines()
        }
        tryReplica()
    }

    private func forwardRequest(_ payload: CallFrame, endStream: Bool) {
        guard !done else { return }
        bodyWatch.arrived()
        if endStream {
            requestEnded = true
            bodyWatch.stop()
        }
        if let upstream, pending.isEmpty {
            keepForReplay(payload)
            upstream.send(payload)
            upstreamNeedsFlush = true
        } else {
            pending.append(payload)
        }
    }

    private func keepForReplay(_ payload: CallFrame) {
        guard replayable else { return }
        if case .data(let data) = payload {
            let buffer = data.data
            sentBytes += buffer.readableBytes
        }
        if sentBytes > Self.maxReplayBytes {
            replayable = false
            sent = CallFrameQueue()
        } else {
            sent.append(payload)
        }
    }

    /// The client reset the stream or left: the call is given up.
    func clientWentAway() {
        // A stream that closed because the response's last frame was written ended well: `responseComplete`, which
        // follows that write, logs and counts it. Logged here too, a trailers-only answer (UNIMPLEMENTED) was two
        // access-log lines and two calls in /metrics (found by the outside audit, audit6).
        guard !done, !responseEnding else { return }
        done = true
        reportTry(.notJudged)
        upstream?.cancel()
        upstream = nil
        cancelTimers()
        logAccess(status: responseStarted ? httpStatus : 499, grpc: grpcStatus ?? (isGRPC ? 1 : nil))
    }

    // MARK: Replicas

    private func tryReplica() {
        guard !done, let route else { return }
        if let replica = backend.pick(route, excluding: tried) {
            return use(replica)
        }
        let waiting =
            attempts == 0
            && backend.waitForReplica(service: route.service) { [weak self] replica in
                guard let self, !self.done else { return }
                if let replica {
                    self.use(replica)
                } else {
                    self.fail(.unavailable, "no ready replica of service '\(route.service)' within the queue timeout")
                }
            }
        if !waiting {
            fail(.unavailable, "no ready replica of service '\(route.service)'")
        }
    }

    private func use(_ replica: UpstreamBalancer.Replica) {
        guard let route, client != nil else { return }
        self.replica = replica
        attempts += 1
        backend.started(route, replica: replica)
        tryReported = false
        let now = gateway.now
        upstreamStartedAt = now
        headDeadline = now + route.timeoutAmount
        trackDeadlines()
        let key = HTTP2UpstreamPool.Key(
            service: route.service, id: replica.id, generation: replica.generation, port: replica.port)
        let attempt = attempts
        if route.upstreamProtocol.isHTTP2 {
            // The stream tells the call when it has its place (`legOpened`): no closure per call.
            gateway.pool.openStream(
                key, settings: backend.http2Settings, stream: HTTP2UpstreamStream(proxy: self, attempt: attempt))
        } else {
            gateway.http1Pool.open(key, proxy: self, attempt: attempt) { [self] in legOpened($0, attempt: attempt) }
        }
    }

    /// The try `attempt`'s leg is open (its queued frames go), or could not be opened (retried or failed).
    func legOpened(_ result: Result<any UpstreamLeg, HTTP2UpstreamPool.OpenError>, attempt: Int) {
        switch result {
        case .success(let leg):
            guard !done, attempt == attempts else {
                leg.cancel()
                return
            }
            upstream = leg
            for frame in pending.take() {
                keepForReplay(frame)
                leg.send(frame)
            }
            leg.flush()
            guard let client else { return }
            leg.setReading(client.isWritable)
            if clientPaused { client.setReading(leg.isWritable) }
            watchBody(leg.isWritable)
        case .failure(let error):
            guard !done, attempt == attempts, let route, let replica else { return }
            reportTry(.connectFailed)
            retryOrFail("replica \(route.service).\(replica.index): \(error.detail)", neverSent: true)
        }
    }

    private func retryOrFail(_ detail: String, neverSent: Bool) {
        upstream = nil
        headDeadline = nil
        bodyWatch.stop()
        if neverSent, replayable, triesLeft > 0, !responseStarted {
            triesLeft -= 1
            if let replica { tried.insert(replica.id) }
            pending = sent.take() + pending
            sentBytes = 0
            backend.logger.debug(
                "HTTP/2 call replayed on another replica",
                metadata: ["reason": "\(detail)", "request_id": "\(requestID.text)"])
            return tryReplica()
        }
        fail(.unavailable, detail)
    }

    private func reportTry(_ outcome: UpstreamBalancer.Outcome) {
        guard !tryReported, let route, let replica else { return }
        tryReported = true
        backend.finished(route, replica: replica, outcome: outcome)
    }

    // MARK: Replica side (from HTTP2UpstreamStream)

    func upstreamRead(_ payload: CallFrame, attempt: Int) {
        guard !done, attempt == attempts, let client else { return }
        switch payload {
        case .headers(let headers):
            let fields = ResponseFields(headers.headers)
            if !responseStarted {
                let status: Int
                switch ReplicaResponseCheck.head(
                    status: fields.status, repeated: fields.statusRepeated, endStream: headers.endStream)
                {
                case .informational:
                    client.write(payload)
                    return
                case .invalid(let why):
                    return badResponse(why)
                case .final(let code):
                    status = code
                }
                responseStarted = true
                httpStatus = status
                headDeadline = nil
                bodyWatch.stop()
                // Writing the last frame can close the client's stream at once, which calls `clientWentAway`
                // from inside this write: it must leave the ending to `responseComplete` (audit6).
                if headers.endStream { responseEnding = true }
                var headers = headers
                if !fields.hasRequestID {
                    Self.addRequestID(requestID, to: &headers.headers)
                }
                if let value = fields.grpcStatus { grpcStatus = Int(value) }
                client.write(.headers(headers))
            } else {
                // Trailers end the stream (RFC 9113 §8.1); the bridge would end its HTTP/1.1 response on them and
                // then write the DATA after it (audit8: berthd crashed).
                guard headers.endStream else { return badResponse("trailers without END_STREAM") }
                if let value = fields.grpcStatus { grpcStatus = Int(value) }
                responseEnding = true
                client.write(Self.forwardedTrailers(headers).map { .headers($0) } ?? payload)
            }
            if headers.endStream { responseComplete() }
        case .data(let data):
            guard responseStarted else { return badResponse("DATA before the response head") }
            if data.endStream { responseEnding = true }
            client.write(payload)
            if data.endStream { responseComplete() }
        default:
            break
        }
    }

    func upstreamReadComplete(attempt: Int) {
        guard attempt == attempts else { return }
        client?.flush()
    }

    func upstreamWritabilityChanged(_ writable: Bool, attempt: Int) {
        guard attempt == attempts else { return }
        client?.setReading(writable)
        watchBody(writable)
    }

    /// While the call reads the client's body for a replica that has not answered, a client that sends none of it
    /// for `body_timeout` ends the call; the gateway's own pauses (the replica takes nothing) do not count.
    private func watchBody(_ reading: Bool) {
        guard reading, !done, !requestEnded, !responseStarted, upstream != nil else { return bodyWatch.stop() }
        bodyWatch.start(now: Int64(gateway.now.uptimeNanoseconds))
        trackDeadlines()
    }

    /// The replica's stream closed; `reason` is its RST_STREAM code (REFUSED_STREAM also after a GOAWAY that it
    /// never processed), nil for a clean close.
    func upstreamClosed(reason: HTTP2ErrorCode?, detail: String?, attempt: Int) {
        guard !done, attempt == attempts, let route, let replica else { return }
        upstream = nil
        let name = "\(route.service).\(replica.index)"
        if responseEnded { return }
        if !responseStarted {
            if reason == .cancel, let at = callDeadlineAt, gateway.now + .milliseconds(50) >= at {
                // The replica gave up the call at its deadline, as the gateway is about to.
                return deadlinePassed(callTimeoutText)
            }
            if reason == .refusedStream {
                reportTry(.notJudged)
                return retryOrFail("replica \(name) refused the stream", neverSent: true)
            }
            if let reason, detail == nil {
                // The replica's own RST_STREAM on a connection that lives: its answer to this one request, not a
                // sign that the replica is broken. grpcio resets every request that is not gRPC (a browser's or
                // curl's GET) with INTERNAL_ERROR; counted as a failure, a few such requests from anyone ejected
                // healthy replicas (outside audit, audit6). The client gets the gRPC mapping of the code.
                reportTry(.notJudged)
                // CANCEL is what a replica stopping with calls open sends: UNAVAILABLE, which clients may retry.
                let status: GRPCStatus =
                    switch reason {
                    case .enhanceYourCalm: .resourceExhausted
                    case .cancel: .unavailable
                    default: .internalError
                    }
                return fail(status, "replica \(name) reset the stream (\(reason.rfcName)) before responding")
            }
            reportTry(.resetBeforeResponse)
            let why = reason.map { "reset the stream (\($0.rfcName))" } ?? "closed the stream"
            return fail(.unavailable, "replica \(name) \(why) before responding\(detail.map { ": \($0)" } ?? "")")
        }
        reportTry(.badResponse)
        resetClient(reason ?? .internalError)
    }

    /// The replica's response is not HTTP (`ReplicaResponseCheck`): it is at fault, as an HTTP/1.1 replica's invalid
    /// head is; its stream is cancelled and the client gets 502 (gRPC `INTERNAL`), or a reset once its response
    /// started.
    private func badResponse(_ why: String) {
        let name = route.map { route in "\(route.service).\(replica.map { String($0.index) } ?? "?")" } ?? "?"
        reportTry(.badResponse)
        // Both end the call (`done`) before the replica's stream is cancelled, whose close then finds it ended.
        if responseStarted {
            resetClient(.internalError)
        } else {
            fail(.internalError, "replica \(name) answered with an invalid response (\(why))")
        }
        upstream?.cancel()
        upstream = nil
    }

    private func responseComplete() {
        responseEnded = true
        done = true
        client?.flush()
        reportTry(.success)
        cancelTimers()
        logAccess(status: httpStatus, grpc: grpcStatus)
        if !requestEnded {
            // The replica answered before the client finished sending (a gRPC server ending a call early): the
            // rest of the request goes nowhere.
            upstream?.cancel()
        }
    }

    // MARK: Failures

    private func deadlinePassed(_ text: String) {
        guard !done else { return }
        reportTry(.notJudged)
        upstream?.cancel()
        upstream = nil
        if responseStarted {
            resetClient(.cancel)
        } else {
            fail(.deadlineExceeded, "the call's deadline (grpc-timeout \(text)) passed at the gateway")
        }
    }

    /// The client sent none of its request for `body_timeout` while the replica waited for it: the call ends (408, a
    /// gRPC call `DEADLINE_EXCEEDED`), not judged against the replica, whose stream is closed. Before, such a call
    /// held a replica's worker until the route's `timeout` (outside audits audit8 to audit10).
    private func bodyTimedOut() {
        guard !done, !responseStarted else { return }
        bodyWatch.stop()
        reportTry(.notJudged)
        upstream?.cancel()
        upstream = nil
        let milliseconds = gateway.bodyTimeout.nanoseconds / 1_000_000
        let text = milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
        let detail = "the request body stopped arriving: none of it within body_timeout (\(text))"
        fail(.deadlineExceeded, detail, httpStatus: 408)
    }

    private func headTimedOut() {
        guard !done, !responseStarted, let route else { return }
        // A request the client has not ended may be what the replica waits for: not the replica's fault (audit1).
        reportTry(requestEnded ? .timedOut : .notJudged)
        upstream?.cancel()
        upstream = nil
        fail(.deadlineExceeded, "service '\(route.service)' sent no response head within \(route.timeout)")
    }

    /// Answers the call with the gateway's own error: a trailers-only gRPC response, or an HTTP error.
    func fail(_ status: GRPCStatus, _ detail: String, httpStatus plainStatus: Int? = nil) {
        guard let client else { return }
        if responseStarted {
            return resetClient(.internalError)
        }
        done = true
        cancelTimers()
        reportTry(.notJudged)
        upstream?.cancel()
        upstream = nil
        responseStarted = true
        if isGRPC {
            var headers = HTTP2Fields()
            headers.add(name: ":status", value: "200")
            headers.add(name: "content-type", value: "application/grpc")
            headers.add(name: "grpc-status", value: String(status.rawValue))
            headers.add(name: "grpc-message", value: GRPCMessage.percentEncoded(detail))
            Self.addRequestID(requestID, to: &headers)
            client.write(.headers(.init(headers: headers, endStream: true)))
            client.flush()
            httpStatus = 200
            grpcStatus = status.rawValue
        } else {
            var body = client.allocator.buffer(capacity: detail.utf8.count + 1)
            body.writeString(detail + "\n")
            var headers = HTTP2Fields()
            headers.add(name: ":status", value: String(plainStatus ?? status.httpStatus))
            headers.add(name: "content-type", value: "text/plain; charset=utf-8")
            headers.add(name: "content-length", value: String(body.readableBytes))
            Self.addRequestID(requestID, to: &headers)
            client.write(.headers(.init(headers: headers)))
            client.write(.data(.init(data: body, endStream: true)))
            client.flush()
            httpStatus = plainStatus ?? status.httpStatus
        }
        logAccess(status: httpStatus, grpc: grpcStatus)
        if !requestEnded {
            // Nothing more of the request is wanted: RST_STREAM NO_ERROR, so that the client reads the answer's
            // status (with CANCEL, grpcio reported CANCELLED: audit10).
            client.stopRequest()
        }
    }

    private func resetClient(_ code: HTTP2ErrorCode) {
        guard let client else { return }
        let wasDone = done
        done = true
        cancelTimers()
        client.write(.rstStream(code))
        client.flush()
        client.close()
        if !wasDone {
            logAccess(status: httpStatus, grpc: grpcStatus ?? (isGRPC ? GRPCStatus.unavailable.rawValue : nil))
        }
    }

    private func cancelTimers() {
        headDeadline = nil
        if tracked {
            tracked = false
            gateway.untrack(self)
        }
    }

    private func trackDeadlines() {
        guard !tracked else { return }
        tracked = true
        gateway.track(self)
    }

    /// Called by the gateway's sweep (a few times a second) while the call is tracked.
    func checkDeadlines(_ now: NIODeadline) {
        guard !done else { return cancelTimers() }
        if let at = callDeadlineAt, at <= now {
            deadlinePassed(callTimeoutText)
        } else if let at = headDeadline, at <= now, !responseStarted {
            headTimedOut()
        } else if bodyWatch.expired(now: Int64(now.uptimeNanoseconds), timeout: gateway.bodyTimeout.nanoseconds) {
            bodyTimedOut()
        } else if let since = clientStalledSince, now - since >= gateway.sendTimeout {
            clientStalled(now)
        }
    }

    private func logAccess(status: Int, grpc: Int?) {
        let now = gateway.now
        // A gRPC call that ended without a grpc-status is UNKNOWN to its client: the access log says so as
        // `/metrics` does (audit8: its line had no grpc_status, so counting the log's statuses missed it).
        let grpc = isGRPC ? grpc ?? GRPCStatus.unknown.rawValue : nil
        if let grpc, let route {
            gateway.countGRPC(service: route.service, route: route.routeName, status: grpc)
        }
        backend.logHTTP2Access(
            HTTP2AccessEntry(
                method: method, path: path, status: status, grpcStatus: grpc,
                replicaIndex: replica?.index, route: route, attempts: attempts,
                upstreamNanoseconds: upstreamStartedAt.map { (now - $0).nanoseconds },
                totalNanoseconds: (now - startedAt).nanoseconds, requestID: requestID, endedAt: now))
    }
}

extension Channel {
    /// Turns reading on or off (backpressure between the two streams of a call); a no-op once closed. Turning it
    /// on also asks for a read: an HTTP/2 stream channel does not read again by itself when autoRead comes back.
    func setAutoReadSoon(_ on: Bool) {
        if eventLoop.inEventLoop, let sync = try? syncOptions {
            _ = try? sync.setOption(.autoRead, value: on)
        } else {
            setOption(.autoRead, value: on).whenFailure { _ in }
        }
        if on { read() }
    }
}
