import NIOCore
import NIOHTTP2

/// The replica's side of one call: a stream id on a multiplexed replica connection, driven frame by frame through
/// the connection's `UpstreamFrameHandler` (no NIO stream channel, pipeline or promise per call). Passes the
/// replica's frames to the call's `HTTP2StreamProxy` and tells it how the stream ended (RST_STREAM code, GOAWAY
/// refusal, connection loss).
final class HTTP2UpstreamStream: UpstreamLeg {
    enum State {
        /// Given a connection, no id yet: the id is taken when the HEADERS frame is written.
        case idle
        case open(HTTP2StreamID)
        /// Closed, or given up by the call: nothing more goes to the call.
        case closed
    }

    /// Let go when the stream closes or the call gives it up (the call holds the stream too).
    private var proxy: HTTP2StreamProxy?
    /// Which try of the call this stream is (a late event of an abandoned try is ignored).
    let attempt: Int
    private(set) var state = State.idle
    var frames: (any UpstreamFrames)?
    var connection: HTTP2UpstreamConnection?
    /// Why the stream failed, when NIO said more than an error code.
    var closeDetail: String?
    /// Request bytes written but not yet on the wire (waiting for the replica's window): above one stream window,
    /// the call stops reading its client.
    private var queuedBytes = 0
    private var reading = true
    /// Set while in the connection handler's list of streams read in this read batch.
    var inReadBatch = false

    init(proxy: HTTP2StreamProxy, attempt: Int) {
        self.proxy = proxy
        self.attempt = attempt
    }

    var streamID: HTTP2StreamID? {
        if case .open(let id) = state { return id }
        return nil
    }

    // MARK: UpstreamLeg

    func send(_ payload: CallFrame) {
        guard let frames else { return }
        let id: HTTP2StreamID
        switch state {
        case .closed:
            return
        case .open(let open):
            id = open
        case .idle:
            guard let open = frames.open(self, reading: reading) else {
                return closed(reason: .refusedStream, detail: "the connection to the replica has no stream id left")
            }
            state = .open(open)
            id = open
        }
        guard case .data(let data) = payload, case let buffer = data.data, buffer.readableBytes > 0
        else {
            return frames.write(id, payload, promise: nil)
        }
        let size = buffer.readableBytes
        let wasWritable = isWritable
        queuedBytes += size
        let promise = frames.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] _ in
            let before = isWritable
            queuedBytes -= size
            if !before, isWritable { proxy?.upstreamWritabilityChanged(true, attempt: attempt) }
        }
        frames.write(id, payload, promise: promise)
        if wasWritable, !isWritable { proxy?.upstreamWritabilityChanged(false, attempt: attempt) }
    }

    func flush() { frames?.flush() }

    func cancel() {
        switch state {
        case .closed:
            return
        case .idle:
            state = .closed
            detach()
            release()
        case .open(let id):
            // The call hears nothing more of the stream (no re-entrant close report while it gives it up).
            state = .closed
            detach()
            frames?.reset(id)
            release()
        }
    }

    func setReading(_ on: Bool) {
        // The stream's window is paused only through here (opened with `reading`): no change, nothing to tell.
        guard on != reading else { return }
        reading = on
        if case .open(let id) = state { frames?.setReading(id, on) }
    }

    var isWritable: Bool {
        if case .closed = state { return false }
        return queuedBytes < (frames?.streamWindow ?? 0)
    }

    // MARK: From the connection

    /// The connection gave the stream its place: the call sends its frames through it.
    func opened() {
        proxy?.legOpened(.success(self), attempt: attempt)
    }

    /// The connection could not be made (or closed before the stream had its place): nothing was sent.
    func openFailed(_ error: HTTP2UpstreamPool.OpenError) {
        proxy?.legOpened(.failure(error), attempt: attempt)
    }

    // MARK: From the connection's frame handler

    func read(_ payload: CallFrame) {
        guard case .open = state else { return }
        proxy?.upstreamRead(payload, attempt: attempt)
    }

    func readComplete() {
        proxy?.upstreamReadComplete(attempt: attempt)
        if case .closed = state { detach() }
    }

    /// The stream ended: `reason` is its RST_STREAM code (REFUSED_STREAM after a GOAWAY that did not process it),
    /// nil when it closed cleanly.
    func closed(reason: HTTP2ErrorCode?, detail: String?) {
        if case .closed = state { return }
        state = .closed
        release()
        let proxy = self.proxy
        // Read in this batch: the call still flushes what it wrote at the batch's end (`readComplete`).
        if !inReadBatch { detach() }
        proxy?.upstreamClosed(reason: reason, detail: detail ?? closeDetail, attempt: attempt)
    }

    /// Gives the stream's place on the connection back (once).
    private func release() {
        connection?.streamClosed()
        connection = nil
    }

    /// The call gave the stream up: it hears nothing more.
    private func detach() {
        proxy = nil
    }
}
