import NIOCore
import NIOHPACK
import NIOHTTP2

/// The client's frames, as `ClientConnectionState` judges them (RFC 9113 § 5.1's stream states, § 6's frame rules).
extension ClientConnectionState {
    /// A frame the client sent, decoded, at `now` (for the rate limits). `consuming`, as `ReplicaCodecHandler.handle`:
    /// a frame left whole to destroy went through `Optional<ReplicaFrame>`'s value witness (~600 instructions).
    mutating func received(_ frame: consuming ReplicaFrame, at now: NIODeadline) -> Inbound {
        switch phase {
        case .failed:
            return .none
        case .awaitingSettings:
            guard case .settings = frame else {
                return fail(.protocolError, "the preface is not followed by SETTINGS")
            }
            phase = .open
        case .open, .goingAway:
            break
        }
        switch consume frame {
        case .headers(let id, let headers, let endStream):
            emptyDataFrames = 0
            return receivedHeaders(id, headers, endStream: endStream)
        case .data(let id, let payload, let endStream, let length):
            return receivedData(id, payload, endStream: endStream, flowControlledLength: length)
        case .rstStream(let id, let code):
            guard !isIdle(id) else { return fail(.protocolError, "RST_STREAM on idle stream \(Int(id))") }
            if resets.record(at: now) {
                return fail(.enhanceYourCalm, "too many RST_STREAM frames (rapid reset, CVE-2023-44487)")
            }
            guard streams[HTTP2StreamKey(id)] != nil else { return .none }
            forget(id)
            return .clientReset(id, code)
        case .settings(let list):
            if let flood = controlFrame(at: now) { return flood }
            return apply(list)
        case .settingsAck:
            return controlFrame(at: now) ?? .none
        case .ping(let data, let ack):
            if let flood = controlFrame(at: now) { return flood }
            return ack ? .none : .acknowledgePing(data)
        case .priority, .unknown:
            return controlFrame(at: now) ?? .none
        case .goAway:
            // The client opens no more streams; those open finish, then it closes (or the idle timeout does).
            return .none
        case .windowUpdate(let id, let increment):
            return receivedWindowUpdate(id, increment: increment)
        }
    }

    /// What the decoder refused (`ReplicaCodecError`): a connection error, or one stream's (reset, counted).
    mutating func decodingFailed(_ error: ReplicaCodecError) -> Inbound {
        guard phase != .failed else { return .none }
        guard let id = error.streamID else { return fail(error.code, error.detail) }
        if error.opensStream, isIdle(id) {
            // HEADERS read whole open their stream even when refused, as RFC 9113 § 5.1 has it.
            guard Int(id) % 2 == 1 else { return fail(.protocolError, "HEADERS on even stream \(Int(id))") }
            highestStreamID = id
            return streamError(id, error.code)
        }
        // RST_STREAM on an idle stream would be the gateway's own error: the connection's instead.
        guard !isIdle(id) else { return fail(error.code, "\(error.detail) on idle stream \(Int(id))") }
        return streamError(id, error.code)
    }

    /// Keeps the stream, or forgets it when both sides have ended it; returns whether it was forgotten.
    private mutating func ended(_ key: HTTP2StreamKey, _ stream: Stream) -> Bool {
        guard stream.remoteEnded, stream.localEnded else {
            streams[key] = stream
            return false
        }
        forget(key.id)
        return true
    }

    /// A stream no frame has opened: above the highest id the client used, or even (the gateway never pushes).
    private func isIdle(_ id: HTTP2StreamID) -> Bool {
        id > highestStreamID || Int(id) % 2 == 0
    }

    private mutating func controlFrame(at now: NIODeadline) -> Inbound? {
        guard controlFrames.record(at: now) else { return nil }
        return fail(.enhanceYourCalm, "too many control frames (PING, SETTINGS, PRIORITY, unknown types)")
    }

    private mutating func receivedHeaders(_ id: HTTP2StreamID, _ headers: HTTP2Fields, endStream: Bool) -> Inbound {
        let key = HTTP2StreamKey(id)
        if var stream = streams[key] {
            // A second block on an open stream: trailers, which end the request.
            guard !stream.remoteEnded else { return streamError(id, .streamClosed) }
            guard endStream, HTTP2HeaderCheck.problem(headers, .trailers) == nil, stream.requestLength.mayEnd else {
                return streamError(id, .protocolError)
            }
            stream.remoteEnded = true
            return .trailers(id, headers, closesStream: ended(key, stream))
        }
        guard Int(id) % 2 == 1 else { return fail(.protocolError, "HEADERS on even stream \(Int(id))") }
        guard id > highestStreamID else {
            // A stream the gateway reset may still see the client's frames in flight; any other is closed.
            if wasReset(id) { return .none }
            return fail(.streamClosed, "HEADERS on closed stream \(Int(id))")
        }
        highestStreamID = id
        if case .goingAway(let last) = phase, id > last { return refuse(id) }
        guard streams.count < limits.maxConcurrentStreams else { return refuse(id) }
        // One pass over the block: its check, its `:method` and its `content-length`.
        let inspection = HTTP2HeaderCheck.inspect(headers, .request)
        guard inspection.problem == nil,
            let length = HTTP2ContentLength(inspection.contentLength, status: nil, requestMethod: nil),
            !endStream || length.mayEnd
        else { return streamError(id, .protocolError) }
        var stream = Stream(requestLength: length, requestIsHEAD: inspection.pseudoValue == "HEAD")
        stream.remoteEnded = endStream
        streams[key] = stream
        openedStreams += 1
        windows.open(id)
        return .open(id, headers, endStream: endStream)
    }

    /// A stream the gateway does not take (above SETTINGS_MAX_CONCURRENT_STREAMS, or after its GOAWAY): the client
    /// may retry it. Counted like a stream error: a client that ignores the limit is closed in the end.
    private mutating func refuse(_ id: HTTP2StreamID) -> Inbound {
        streamError(id, .refusedStream)
    }

    private mutating func receivedData(
        _ id: HTTP2StreamID, _ payload: ByteBuffer, endStream: Bool, flowControlledLength: Int
    ) -> Inbound {
        guard !isIdle(id) else { return fail(.protocolError, "DATA on idle stream \(Int(id))") }
        if payload.readableBytes == 0, !endStream {
            emptyDataFrames += 1
            guard emptyDataFrames <= limits.maxEmptyDataFrames else {
                return fail(.enhanceYourCalm, "more than \(limits.maxEmptyDataFrames) empty DATA frames in a row")
            }
        } else if endStream {
            emptyDataFrames = 0
        }
        let key = HTTP2StreamKey(id)
        // Charged to the connection's window whatever becomes of it (RFC 9113 § 6.9).
        let sizes: (stream: Int?, connection: Int)
        do {
            sizes = try windows.received(id, flowControlledLength)
        } catch {
            guard let stream = error.streamID else { return fail(error.code, error.detail) }
            return streamError(stream, error.code)
        }
        guard var stream = streams[key], let window = sizes.stream else {
            return wasReset(id) ? .none : streamError(id, .streamClosed)
        }
        guard !stream.remoteEnded else { return streamError(id, .streamClosed) }
        guard stream.requestLength.received(payload.readableBytes), !endStream || stream.requestLength.mayEnd else {
            return streamError(id, .protocolError)
        }
        stream.remoteEnded = endStream
        return .data(id, payload, endStream: endStream, streamWindow: window, closesStream: ended(key, stream))
    }

    private mutating func receivedWindowUpdate(_ id: HTTP2StreamID, increment: Int) -> Inbound {
        guard id == .rootStream || !isIdle(id) else {
            return fail(.protocolError, "WINDOW_UPDATE on idle stream \(Int(id))")
        }
        windowUpdates += 1
        guard windowUpdates <= windowUpdateAllowance else {
            return fail(.enhanceYourCalm, "too many WINDOW_UPDATE frames for the DATA the gateway sent")
        }
        do {
            try windows.windowUpdate(id, increment: increment)
        } catch {
            guard let stream = error.streamID else { return fail(error.code, error.detail) }
            return streamError(stream, error.code)
        }
        return .windowOpened(id)
    }

    private mutating func apply(_ list: [ReplicaSetting]) -> Inbound {
        for setting in list {
            switch setting.identifier {
            case ReplicaSetting.initialWindowSize:
                do {
                    try windows.initialWindowSize(Int(setting.value))
                } catch {
                    return fail(error.code, error.detail)
                }
            case ReplicaSetting.maxFrameSize:
                // The decoder refused values out of range.
                peerMaxFrameSize = Int(setting.value)
            default:
                // HEADER_TABLE_SIZE: the gateway's encoder keeps no dynamic table; ENABLE_PUSH: it never pushes;
                // MAX_CONCURRENT_STREAMS: of pushed streams; MAX_HEADER_LIST_SIZE: advisory.
                break
            }
        }
        return .acknowledgeSettings
    }
}
