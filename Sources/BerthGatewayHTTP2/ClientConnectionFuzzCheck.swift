import NIOCore
import NIOHPACK
import NIOHTTP2

/// The client connection's own codec under the http2 fuzz target (Sources/http2-fuzz): hostile bytes read as a
/// client's frames (`ReplicaFrameDecoder` with PRIORITY reported) and judged by `ClientConnectionState`, with the
/// gateway answering some streams, in pieces of varying size. Checks what must hold whatever a client sends: no
/// more streams than the limit, calls only on odd increasing ids with checked blocks, DATA only for streams that
/// are open, resets only on streams the client used, nothing after a connection error, and windows that stay
/// within 2^31-1.
public enum ClientConnectionFuzzCheck {
    /// Returns the broken invariant, nil when all held.
    public static func run(_ input: [UInt8]) -> String? {
        // The preface is the protocol detector's to read: frames follow it.
        let input = input.starts(with: HTTP2Preface.bytes) ? Array(input.dropFirst(HTTP2Preface.bytes.count)) : input
        var settings = HTTP2GatewaySettings()
        settings.maxConcurrentStreams = 4
        settings.maxResets = 20
        var state = ClientConnectionState(limits: .init(settings))
        var decoder = ReplicaFrameDecoder(
            maxHeaderListSize: settings.maxHeaderListSize, headerTableSize: settings.headerTableSize,
            maxContinuationFrames: settings.maxContinuationFrames, reportsIgnoredFrames: true)
        var open: Set<Int> = []
        var pending = ByteBuffer()
        var index = 0
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        _ = state.connectionWindowUpdate()
        while index < input.count, state.phase != .failed {
            let end = min(input.count, index + 1 + Int(input[index]) * 8)
            pending.writeBytes(input[index..<end])
            // Time moves with the input, so that the rate limits' windows slide.
            now = now + .milliseconds(Int64(input[index]) * 100)
            index = end
            // Each answer is checked (and the gateway answers) before the next frame is read, as the handler does.
            do {
                while state.phase != .failed, let frame = try decoder.next(from: &pending) {
                    if let broken = check(state.received(frame, at: now), &state, &open) { return broken }
                }
            } catch {
                if let broken = check(state.decodingFailed(error), &state, &open) { return broken }
            }
            if let increment = state.connectionWindowUpdate(), increment <= 0 || increment > ReplicaFrameType.maxWindow
            {
                return "a connection WINDOW_UPDATE of \(increment)"
            }
            if state.openStreams > settings.maxConcurrentStreams { return "\(state.openStreams) streams open" }
            if state.streams.keys.contains(where: { $0.id > state.highestStreamID }) {
                return "a stream above the highest id \(Int(state.highestStreamID))"
            }
        }
        let last = state.goAway()
        if state.phase != .failed, last != state.highestStreamID { return "GOAWAY with \(String(describing: last))" }
        if state.isFinished != (state.phase == .failed || state.openStreams == 0) {
            return "finished with streams open"
        }
        return nil
    }

    private static func check(
        _ answer: ClientConnectionState.Inbound, _ state: inout ClientConnectionState, _ open: inout Set<Int>
    ) -> String? {
        switch answer {
        case .none, .acknowledgeSettings, .acknowledgePing, .windowOpened:
            return nil
        case .open(let id, let headers, _):
            guard Int(id) % 2 == 1, id == state.highestStreamID, !open.contains(Int(id)) else {
                return "a call on stream \(Int(id))"
            }
            if let problem = HTTP2HeaderCheck.problem(headers, .request) { return "a call with \(problem)" }
            open.insert(Int(id))
            // The gateway answers every other call at once (the rest stay open, with the request body arriving).
            guard Int(id) % 4 == 1 else { return nil }
            guard case .send = state.sendingHeaders(id, HTTP2Fields([(":status", "200")]), endStream: false) else {
                return "a response head refused on stream \(Int(id))"
            }
            // A response to HEAD has no body.
            let bytes = headers.first(name: ":method") == "HEAD" ? 0 : min(state.sendable(id), 10)
            guard case .send(let closed) = state.sendingData(id, bytes: bytes, endStream: true) else {
                return "\(bytes) bytes refused on stream \(Int(id))"
            }
            if closed { open.remove(Int(id)) }
            return nil
        case .trailers(let id, _, let closed), .data(let id, _, _, _, let closed):
            guard open.contains(Int(id)) else { return "a frame for stream \(Int(id)), not open" }
            if closed { open.remove(Int(id)) }
            return nil
        case .clientReset(let id, _):
            guard open.remove(Int(id)) != nil else { return "a reset of stream \(Int(id)), not open" }
            return nil
        case .resetStream(let id, _, let endsCall):
            guard Int(id) % 2 == 1, id <= state.highestStreamID else { return "RST_STREAM on stream \(Int(id))" }
            if endsCall != (open.remove(Int(id)) != nil) { return "a reset of stream \(Int(id)) ends the wrong call" }
            return nil
        case .goAway(let last, _, let detail):
            if detail.isEmpty { return "a GOAWAY without a detail" }
            if last != state.highestStreamID || state.phase != .failed { return "GOAWAY with stream \(Int(last))" }
            return nil
        }
    }
}
