import NIOCore
import NIOHPACK
import NIOHTTP2

/// The replica's frames as `ReplicaCodecHandler` executes them, and the send side's waits (window, concurrency).
extension ReplicaCodecHandler {
    /// `consuming`: the frame's parts are moved to where they go, so that no copy of the whole frame is left to
    /// destroy; destroying one went through `Optional<ReplicaFrame>`'s value witness (~600 instructions a frame).
    func handle(_ frame: consuming ReplicaFrame) throws(ReplicaCodecError) {
        switch consume frame {
        case .headers(let id, let headers, let endStream):
            deliver(id, .headers(.init(headers: headers, endStream: endStream)), endStream: endStream)
        case .data(let id, let payload, let endStream, let length):
            let sizes = try windows.received(id, length)
            if let increment = connectionWindow.changed(to: sizes.connection) {
                sendWindowUpdate(.rootStream, increment)
            }
            if let size = sizes.stream, !endStream, let increment = table.windowChanged(id, to: size) {
                sendWindowUpdate(id, increment)
            }
            deliver(id, .data(.init(data: payload, endStream: endStream)), endStream: endStream)
        case .rstStream(let id, let code):
            guard forget(id) != nil, let closed = table.close(id, reason: code) else { return }
            closed.leg.closed(reason: closed.reason, detail: nil)
        case .settings(let list):
            try apply(list)
            ReplicaFrameEncoder.writeSettingsAck(into: &outbound)
            needsFlush = true
        case .settingsAck, .priority, .unknown:
            // PRIORITY and unknown types are not reported on this leg (`ReplicaFrameDecoder.reportsIgnoredFrames`).
            break
        case .ping(let data, let ack):
            guard !ack else { return }
            ReplicaFrameEncoder.writePingAck(data, into: &outbound)
            needsFlush = true
        case .goAway(let last, _):
            table.goAway(lastStreamID: last)
            goneAway = true
            // Streams above the last one the replica processes were never processed: refused (retried elsewhere).
            for key in sends.keys where key.id > last {
                _ = forget(key.id)
                if let closed = table.close(key.id, reason: .cancel) {
                    closed.leg.closed(reason: closed.reason, detail: "GOAWAY from the replica")
                }
            }
            connection.receivedGoAway()
        case .windowUpdate(let id, let increment):
            try windows.windowUpdate(id, increment: increment)
            if id == .rootStream {
                // Only the streams with DATA waiting: not a walk over every open stream per update.
                for key in windows.waiting { drain(key.id) }
            } else {
                drain(id)
            }
        }
    }

    private func deliver(_ id: HTTP2StreamID, _ payload: CallFrame, endStream: Bool) {
        // A push (disabled) or a stream the call gave up: no call to tell.
        guard let stream = table.leg(id) else { return }
        if endStream {
            table.inboundEnded(id)
            sends.update(HTTP2StreamKey(id)) { $0.receivedEnd = true }
        }
        if !stream.inReadBatch {
            stream.inReadBatch = true
            readBatch.append(stream)
        }
        stream.read(payload)
        if endStream { closeIfDone(id) }
    }

    private func apply(_ list: [ReplicaSetting]) throws(ReplicaCodecError) {
        encoder.apply(list)
        for setting in list {
            switch setting.identifier {
            case ReplicaSetting.initialWindowSize:
                try windows.initialWindowSize(Int(setting.value))
            case ReplicaSetting.maxConcurrentStreams:
                maxConcurrentStreams = Int(setting.value)
            default:
                break
            }
        }
        startWaiting()
        for key in windows.waiting { drain(key.id) }
    }

    /// Encodes `payload` now if the stream's window allows (DATA: as much as fits, the rest stays); returns whether
    /// all of it went.
    func emit(
        _ id: HTTP2StreamID, _ payload: CallFrame, _ promise: EventLoopPromise<Void>?,
        _ send: inout Send
    ) -> Bool {
        switch payload {
        case .headers(let headers):
            do {
                try encoder.writeHeaders(id, headers.headers, endStream: headers.endStream, into: &outbound)
            } catch {
                // Not encodable (NIOHPACK refuses nothing it is given in practice): the connection cannot go on,
                // its encoder's table may be half updated.
                promise?.fail(error)
                fail(.connection(.internalError, error.detail))
                return true
            }
            if headers.endStream { send.sentEnd = true }
            promise.map { outboundPromises.append($0) }
            return true
        case .data(let data):
            var buffer = data.data
            let sendable = windows.sendable(id)
            let length = min(buffer.readableBytes, sendable)
            guard length > 0 || buffer.readableBytes == 0 else { return false }
            let chunk = buffer.readSlice(length: length)!
            let last = buffer.readableBytes == 0
            encoder.writeData(id, chunk, endStream: last && data.endStream, into: &outbound)
            windows.sent(id, length)
            guard last else {
                // The rest waits for the replica's WINDOW_UPDATE, at the queue's head.
                send.queue.insert((.data(.init(data: buffer, endStream: data.endStream)), promise), at: 0)
                windows.setWaiting(id, true)
                return true
            }
            if data.endStream { send.sentEnd = true }
            promise.map { outboundPromises.append($0) }
            return true
        case .rstStream(let code):
            ReplicaFrameEncoder.writeRstStream(id, code, into: &outbound)
            promise?.succeed()
            return true
        case .windowUpdate(let increment):
            sendWindowUpdate(id, increment)
            promise?.succeed()
            return true
        default:
            // The calls write nothing else (PRIORITY, PUSH_PROMISE...).
            promise?.succeed()
            return true
        }
    }

    /// Sends what waits on the stream while its window allows.
    func drain(_ id: HTTP2StreamID) {
        let key = HTTP2StreamKey(id)
        guard var send = sends[key], send.started, !send.queue.isEmpty else {
            windows.setWaiting(id, false)
            return
        }
        var wrote = false
        while !send.queue.isEmpty {
            let (payload, promise) = send.queue.removeFirst()
            let queued = send.queue.count
            guard emit(id, payload, promise, &send) else {
                send.queue.insert((payload, promise), at: 0)
                break
            }
            wrote = true
            // A partly sent DATA put its rest back at the head: wait for the next update.
            if send.queue.count > queued { break }
        }
        guard sends[key] != nil else { return }
        sends[key] = send
        windows.setWaiting(id, !send.queue.isEmpty)
        if wrote {
            needsFlush = true
            flush()
        }
        closeIfDone(id)
    }

    /// Streams waiting for a slot start, in id order, while the replica's limit allows.
    func startWaiting() {
        while !goneAway, started < maxConcurrentStreams, !waitingToStart.isEmpty {
            let id = waitingToStart.removeFirst()
            guard sends.update(HTTP2StreamKey(id), { $0.started = true }) != nil else { continue }
            started += 1
            windows.open(id)
            drain(id)
        }
    }

    /// Both sides ended: the stream closed cleanly.
    func closeIfDone(_ id: HTTP2StreamID) {
        guard let send = sends[HTTP2StreamKey(id)], send.sentEnd, send.receivedEnd, send.queue.isEmpty else { return }
        _ = forget(id)
        if let closed = table.close(id, reason: nil) { closed.leg.closed(reason: closed.reason, detail: nil) }
    }

    /// Drops the stream's send side (its waiting frames' promises failed) and gives its slot to a waiting stream.
    @discardableResult
    func forget(_ id: HTTP2StreamID) -> Send? {
        guard let send = sends.removeValue(forKey: HTTP2StreamKey(id)) else { return nil }
        for entry in send.queue { entry.promise?.fail(ChannelError.ioOnClosedChannel) }
        windows.close(id)
        if send.started {
            started -= 1
            startWaiting()
        } else {
            waitingToStart.removeAll { $0 == id }
        }
        return send
    }

    func sendWindowUpdate(_ id: HTTP2StreamID, _ increment: Int) {
        ReplicaFrameEncoder.writeWindowUpdate(id, increment: increment, into: &outbound)
        windows.receiveUpdated(id, increment: increment)
        needsFlush = true
    }

    /// The replica broke the protocol: GOAWAY and close for the connection's errors (its streams fail as on a lost
    /// connection), RST_STREAM for a stream's.
    func fail(_ error: ReplicaCodecError) {
        if let id = error.streamID {
            ReplicaFrameEncoder.writeRstStream(id, error.code, into: &outbound)
            needsFlush = true
            _ = forget(id)
            if let closed = table.close(id, reason: error.code) {
                closed.leg.closed(reason: closed.reason, detail: error.detail)
            }
            return
        }
        guard !failed, let context else { return }
        failed = true
        ReplicaFrameEncoder.writeGoAway(lastStreamID: .rootStream, error.code, into: &outbound)
        writeOutbound()
        context.flush()
        context.close(promise: nil)
    }

    /// Hands the frames encoded so far to the channel (one buffer: one `writev` entry per flush).
    func writeOutbound() {
        guard let context, outbound.readableBytes > 0 else { return }
        let bytes = outbound
        outbound = context.channel.allocator.buffer(capacity: max(4096, bytes.readableBytes))
        context.write(wrapOutboundOut(bytes), completing: &outboundPromises)
    }
}
