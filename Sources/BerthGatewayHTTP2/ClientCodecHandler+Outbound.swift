import NIOCore
import NIOHPACK
import NIOHTTP2

/// The calls' frames to the client: checked by `ClientConnectionState`, encoded into one buffer per flush, DATA held
/// while the client's windows are spent (and what the call wrote after it, to keep the order).
extension ClientCodecHandler {
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        guard let payload = CallFrame(frame.payload) else {
            // The calls write nothing else (PRIORITY, PUSH_PROMISE, SETTINGS...).
            promise?.succeed()
            return
        }
        send(frame.streamID, payload, promise, context: context)
    }

    /// A call's frame from `ClientFrameHandler`, called directly (see `frames`).
    func send(_ id: HTTP2StreamID, _ payload: CallFrame, _ promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        send(id, payload, promise, context: context)
    }

    private func send(
        _ id: HTTP2StreamID, _ payload: CallFrame, _ promise: EventLoopPromise<Void>?,
        context: ChannelHandlerContext
    ) {
        guard !failed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let key = HTTP2StreamKey(id)
        // A reset goes at once, whatever waits before it (it drops the stream's queue).
        if queues[key] != nil, !payload.isReset {
            queues[key]!.append((payload, promise))
            return
        }
        emit(id, payload, promise, context: context)
    }

    func flush(context: ChannelHandlerContext) {
        writeOutbound(context: context)
        context.flush()
    }

    /// `ClientFrameHandler`'s flush, called directly (see `frames`): what was encoded goes out now.
    func flushNow() {
        guard let context else { return }
        writeOutbound(context: context)
        context.flush()
    }

    /// Encodes the frame now, or queues what the window does not take (DATA: the rest of it, at the queue's head).
    func emit(
        _ id: HTTP2StreamID, _ payload: CallFrame, _ promise: EventLoopPromise<Void>?,
        context: ChannelHandlerContext
    ) {
        switch payload {
        case .headers(let headers):
            switch state.sendingHeaders(id, headers.headers, endStream: headers.endStream) {
            case .send(let closesStream):
                do {
                    try encoder.writeHeaders(id, headers.headers, endStream: headers.endStream, into: &outbound)
                } catch {
                    return refuse(id, error.detail, promise, context: context)
                }
                promise.map { outboundPromises.append($0) }
                if closesStream { closed(id, reason: nil, context: context) }
            case .drop:
                promise?.fail(ChannelError.ioOnClosedChannel)
            case .refuse(let problem):
                refuse(id, problem, promise, context: context)
            }
        case .data(let data):
            var buffer = data.data
            let length = min(buffer.readableBytes, state.sendable(id))
            guard length > 0 || buffer.readableBytes == 0 else {
                return wait(id, .data(data), promise)
            }
            let last = length == buffer.readableBytes
            switch state.sendingData(id, bytes: length, endStream: last && data.endStream) {
            case .send(let closesStream):
                let chunk = buffer.readSlice(length: length)!
                encoder.writeData(id, chunk, endStream: last && data.endStream, into: &outbound)
                guard last else {
                    return wait(id, .data(.init(data: buffer, endStream: data.endStream)), promise)
                }
                promise.map { outboundPromises.append($0) }
                if closesStream { closed(id, reason: nil, context: context) }
            case .drop:
                promise?.fail(ChannelError.ioOnClosedChannel)
            case .refuse(let problem):
                refuse(id, problem, promise, context: context)
            }
        case .rstStream(let code):
            guard state.sendingReset(id) else {
                promise?.succeed()
                return
            }
            dropQueue(id)
            ReplicaFrameEncoder.writeRstStream(id, code, into: &outbound)
            promise.map { outboundPromises.append($0) }
            closed(id, reason: code, context: context)
        case .windowUpdate(let increment):
            ReplicaFrameEncoder.writeWindowUpdate(id, increment: increment, into: &outbound)
            state.sentWindowUpdate(id, increment: increment)
            promise.map { outboundPromises.append($0) }
        case .goAway(let last, let code, _):
            ReplicaFrameEncoder.writeGoAway(lastStreamID: last, code, into: &outbound)
            promise.map { outboundPromises.append($0) }
        }
    }

    /// A response frame the protocol does not allow (a replica's malformed block): the stream is reset
    /// (INTERNAL_ERROR) and its call told, as when NIOHTTP2 refused such a write.
    private func refuse(
        _ id: HTTP2StreamID, _ problem: String, _ promise: EventLoopPromise<Void>?, context: ChannelHandlerContext
    ) {
        promise?.fail(ReplicaCodecError.stream(id, .internalError, problem))
        guard state.sendingReset(id) else { return }
        dropQueue(id)
        ReplicaFrameEncoder.writeRstStream(id, .internalError, into: &outbound)
        closed(id, reason: .internalError, context: context)
        // The call gives up without flushing: the reset goes out in this turn of the event loop all the same.
        flushSoon()
    }

    /// Flushes at the end of this event-loop turn (once, however many ask).
    func flushSoon() {
        guard !flushScheduled else { return }
        flushScheduled = true
        context?.eventLoop.execute { [self] in
            flushScheduled = false
            guard let context else { return }
            writeOutbound(context: context)
            context.flush()
        }
    }

    private func wait(_ id: HTTP2StreamID, _ payload: CallFrame, _ promise: EventLoopPromise<Void>?) {
        let key = HTTP2StreamKey(id)
        queues[key, default: []].insert((payload, promise), at: 0)
        state.setWaiting(id, true)
    }

    /// The stream's window grew: its queue goes on as far as the window allows.
    func drain(_ id: HTTP2StreamID, context: ChannelHandlerContext) {
        let key = HTTP2StreamKey(id)
        guard var queue = queues.removeValue(forKey: key) else { return }
        state.setWaiting(id, false)
        while !queue.isEmpty {
            let (payload, promise) = queue.removeFirst()
            emit(id, payload, promise, context: context)
            if queues[key] != nil {
                // Waits again: the rest stays behind it.
                queues[key]!.append(contentsOf: queue)
                return
            }
        }
    }

    /// The connection's window (or the initial window) grew: every stream with DATA waiting may go on.
    func drainWaiting(context: ChannelHandlerContext) {
        for key in state.windows.waiting { drain(key.id, context: context) }
    }

    func dropQueue(_ id: HTTP2StreamID) {
        guard let queue = queues.removeValue(forKey: HTTP2StreamKey(id)) else { return }
        for entry in queue { entry.promise?.fail(ChannelError.ioOnClosedChannel) }
    }

    /// Writes what was encoded as one buffer, with the promises it carries.
    func writeOutbound(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else { return }
        let bytes = outbound
        outbound = context.channel.allocator.buffer(capacity: max(4096, bytes.readableBytes))
        context.write(wrapOutboundOut(bytes), completing: &outboundPromises)
    }
}
