import NIOHPACK
import NIOHTTP2

/// The gateway's frames to the client (a call's response), as `ClientConnectionState` allows them: a replica's
/// response is checked here once (`HTTP2HeaderCheck`, `content-length` against its DATA), the streams' ends close
/// them, and DATA goes only as far as the client's windows allow (`sendable`).
extension ClientConnectionState {
    /// Whether a response frame goes out.
    enum Outbound: Equatable {
        /// Write it; `closesStream`: it ended the gateway's side of a stream the client had ended, which is now
        /// forgotten (the call's table entry goes too).
        case send(closesStream: Bool)
        /// The stream is gone (reset, or ended): nothing goes out.
        case drop
        /// The frame would break the protocol (a replica's malformed response): reset the stream instead
        /// (`sendingReset`, INTERNAL_ERROR); `problem` is for the log.
        case refuse(String)
    }

    /// A response head, an informational head (1xx) or trailers for the stream.
    mutating func sendingHeaders(_ id: HTTP2StreamID, _ headers: HTTP2Fields, endStream: Bool) -> Outbound {
        let key = HTTP2StreamKey(id)
        guard var stream = streams[key], !stream.localEnded else { return .drop }
        if stream.responseStarted {
            guard endStream else { return .refuse("trailers without END_STREAM") }
            if let problem = HTTP2HeaderCheck.problem(headers, .trailers) { return .refuse(problem) }
            guard stream.responseLength.mayEnd else { return .refuse("a body shorter than its content-length") }
        } else {
            // One pass over the block: its check, its `:status` and its `content-length`.
            let inspection = HTTP2HeaderCheck.inspect(headers, .response)
            if let problem = inspection.problem { return .refuse(problem) }
            let status = inspection.pseudoValue
            if status?.utf8.first == UInt8(ascii: "1") {
                // An informational head: the final one is still to come.
                guard !endStream else { return .refuse("an informational response with END_STREAM") }
                return .send(closesStream: false)
            }
            guard
                let length = HTTP2ContentLength(
                    response: inspection.contentLength, status: status, toHEAD: stream.requestIsHEAD)
            else {
                return .refuse("a malformed content-length")
            }
            guard !endStream || length.mayEnd else { return .refuse("no body for its content-length") }
            stream.responseStarted = true
            stream.responseLength = length
        }
        return ended(key, stream, endStream)
    }

    /// The most DATA bytes the stream may send now (the client's windows, the stream's and the connection's).
    func sendable(_ id: HTTP2StreamID) -> Int { windows.sendable(id) }

    /// `bytes` of response body for the stream (at most `sendable`), the last ones if `endStream`.
    mutating func sendingData(_ id: HTTP2StreamID, bytes: Int, endStream: Bool) -> Outbound {
        let key = HTTP2StreamKey(id)
        guard var stream = streams[key], !stream.localEnded else { return .drop }
        guard stream.responseStarted else { return .refuse("DATA before the response head") }
        guard stream.responseLength.received(bytes) else { return .refuse("a body longer than its content-length") }
        guard !endStream || stream.responseLength.mayEnd else {
            return .refuse("a body shorter than its content-length")
        }
        windows.sent(id, bytes)
        // The frames the encoder writes for these bytes (at most `peerMaxFrameSize` each), for the WINDOW_UPDATE bound.
        dataFramesSent += max(1, (bytes + peerMaxFrameSize - 1) / peerMaxFrameSize)
        return ended(key, stream, endStream)
    }

    /// The stream's DATA waits for the client's window (or no longer does).
    mutating func setWaiting(_ id: HTTP2StreamID, _ on: Bool) {
        windows.setWaiting(id, on)
    }

    /// The gateway resets the stream (its call failed or ended before the request did); false when the stream is
    /// no more (nothing to write).
    mutating func sendingReset(_ id: HTTP2StreamID) -> Bool {
        guard streams[HTTP2StreamKey(id)] != nil else { return false }
        forgetReset(id)
        return true
    }

    /// GOAWAY NO_ERROR (the gateway drains, or the connection was idle): the streams the client opened finish, no
    /// new one starts. The last stream id to send; nil when the connection already goes away.
    mutating func goAway() -> HTTP2StreamID? {
        switch phase {
        case .awaitingSettings, .open:
            phase = .goingAway(lastStreamID: highestStreamID)
            return highestStreamID
        case .goingAway, .failed:
            return nil
        }
    }

    /// Whether the connection has nothing left to do: after a GOAWAY, no stream open.
    var isFinished: Bool {
        switch phase {
        case .awaitingSettings, .open: return false
        case .goingAway: return streams.isEmpty
        case .failed: return true
        }
    }

    private mutating func ended(_ key: HTTP2StreamKey, _ stream: Stream, _ endStream: Bool) -> Outbound {
        var stream = stream
        guard endStream else {
            streams[key] = stream
            return .send(closesStream: false)
        }
        guard stream.remoteEnded else {
            stream.localEnded = true
            streams[key] = stream
            return .send(closesStream: false)
        }
        forget(key.id)
        return .send(closesStream: true)
    }
}
