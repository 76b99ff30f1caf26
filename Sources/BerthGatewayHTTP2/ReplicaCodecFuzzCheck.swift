import NIOCore
import NIOHTTP2

/// The replica leg's codec under the http2 fuzz target (Sources/http2-fuzz): the codec's types stay internal, this
/// is the one entry point. Reads hostile bytes as a replica's, in pieces of varying size, and checks what must hold
/// whatever a replica sends: a typed error or frames, every frame within the gateway's limits, the windows' errors
/// typed too, and every frame read written again by the encoder and read back the same.
public enum ReplicaCodecFuzzCheck {
    /// Returns the broken invariant, nil when all held.
    public static func run(_ input: [UInt8]) -> String? {
        let limit = 1024
        var decoder = ReplicaFrameDecoder(maxHeaderListSize: limit, headerTableSize: 4096, maxContinuationFrames: 5)
        var echoEncoder = ReplicaFrameEncoder(useHuffmanEncoding: false)
        var echoDecoder = ReplicaFrameDecoder(
            maxHeaderListSize: 64 * 1024, headerTableSize: 4096, maxContinuationFrames: 1_000)
        var windows = ReplicaFlowWindows(receiveInitial: 65_535)
        var pending = ByteBuffer()
        var index = 0
        while index < input.count {
            let end = min(input.count, index + 1 + Int(input[index]) * 8)
            pending.writeBytes(input[index..<end])
            index = end
            do {
                while let frame = try decoder.next(from: &pending) {
                    if let broken = check(frame, limit: limit) { return broken }
                    try exercise(frame, &windows)
                    var echo = ByteBuffer()
                    do {
                        try write(frame, &echoEncoder, into: &echo)
                        let again = try echoDecoder.next(from: &echo)
                        guard again == unpadded(frame) else {
                            return "\(frame) written and read back as \(String(describing: again))"
                        }
                    } catch {
                        return "\(frame) written and read back: \(error)"
                    }
                }
            } catch {
                if error.detail.isEmpty { return "an error without a detail" }
                return nil
            }
        }
        return nil
    }

    /// The frame as the encoder writes it again: DATA without its padding.
    private static func unpadded(_ frame: ReplicaFrame) -> ReplicaFrame {
        guard case .data(let id, let payload, let endStream, _) = frame else { return frame }
        return .data(id, payload, endStream: endStream, flowControlledLength: payload.readableBytes)
    }

    private static func check(_ frame: ReplicaFrame, limit: Int) -> String? {
        switch frame {
        case .data(let id, let payload, _, let length):
            if id == .rootStream { return "DATA on stream 0" }
            if payload.readableBytes > length || length > ReplicaFrameType.minMaxFrameSize {
                return "DATA of \(payload.readableBytes) bytes charged \(length)"
            }
        case .headers(let id, let headers, _):
            if id == .rootStream { return "HEADERS on stream 0" }
            let size = headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
            if size > limit { return "a header list of \(size) bytes decoded (limit \(limit))" }
        case .windowUpdate(_, let increment):
            if increment <= 0 || increment > ReplicaFrameType.maxWindow { return "a window increment \(increment)" }
        case .rstStream(let id, _):
            if id == .rootStream { return "RST_STREAM on stream 0" }
        case .priority(let id):
            if id == .rootStream { return "PRIORITY on stream 0" }
        case .unknown(_, let type):
            if type <= ReplicaFrameType.continuation { return "frame type \(type) read as unknown" }
        case .settings, .settingsAck, .ping, .goAway:
            break
        }
        return nil
    }

    /// What the replica leg does with the frame's numbers: streams opened by their HEADERS, DATA charged, windows
    /// moved (their errors are the replica's, typed).
    private static func exercise(_ frame: ReplicaFrame, _ windows: inout ReplicaFlowWindows) throws(ReplicaCodecError) {
        switch frame {
        case .headers(let id, _, _):
            windows.open(id)
        case .data(let id, _, _, let length):
            _ = try windows.received(id, length)
            windows.receiveUpdated(id, increment: length)
            windows.receiveUpdated(.rootStream, increment: length)
        case .windowUpdate(let id, let increment):
            try windows.windowUpdate(id, increment: increment)
        case .settings(let settings):
            for setting in settings where setting.identifier == ReplicaSetting.initialWindowSize {
                try windows.initialWindowSize(Int(setting.value))
            }
        case .rstStream(let id, _):
            windows.close(id)
        case .settingsAck, .ping, .goAway, .priority, .unknown:
            break
        }
    }

    private static func write(
        _ frame: ReplicaFrame, _ encoder: inout ReplicaFrameEncoder, into out: inout ByteBuffer
    ) throws(ReplicaCodecError) {
        switch frame {
        case .headers(let id, let headers, let endStream):
            try encoder.writeHeaders(id, headers, endStream: endStream, into: &out)
        case .data(let id, let payload, let endStream, _):
            // Re-read without its padding: charged its payload alone.
            encoder.writeData(id, payload, endStream: endStream, into: &out)
        case .rstStream(let id, let code):
            ReplicaFrameEncoder.writeRstStream(id, code, into: &out)
        case .settings(let settings):
            ReplicaFrameEncoder.writeSettings(settings, into: &out)
        case .settingsAck:
            ReplicaFrameEncoder.writeSettingsAck(into: &out)
        case .ping(let data, let ack):
            ReplicaFrameEncoder.writeFrameHeader(
                length: 8, type: ReplicaFrameType.ping, flags: ack ? ReplicaFrameType.ack : 0, id: .rootStream,
                into: &out)
            out.writeInteger(data)
        case .goAway(let last, let code):
            ReplicaFrameEncoder.writeGoAway(lastStreamID: last, code, into: &out)
        case .windowUpdate(let id, let increment):
            ReplicaFrameEncoder.writeWindowUpdate(id, increment: increment, into: &out)
        case .priority(let id):
            // No dependency, the default weight.
            ReplicaFrameEncoder.writeFrameHeader(
                length: 5, type: ReplicaFrameType.priority, flags: 0, id: id, into: &out)
            out.writeInteger(UInt32(0))
            out.writeInteger(UInt8(15))
        case .unknown(let id, let type):
            ReplicaFrameEncoder.writeFrameHeader(length: 0, type: type, flags: 0, id: id, into: &out)
        }
    }
}
