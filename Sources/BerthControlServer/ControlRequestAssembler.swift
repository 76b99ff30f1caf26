public import BerthControlProtocol
import NIOCore
public import NIOHTTP1

/// Assembles the parts NIO's HTTP decoder produces into whole control requests, with the body limit applied as bytes
/// arrive. A value type with no I/O, so that the server, the tests and the fuzzer (`control-fuzz`) share one copy of
/// the rules.
public struct ControlRequestAssembler {
    /// A complete request, ready for `ControlCommand.decode`.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var target: String
        public var body: [UInt8]
        public var keepAlive: Bool
    }

    /// What the caller must do after one part.
    public enum Action: Sendable, Equatable {
        /// Wait for more parts.
        case none
        /// Handle this request.
        case request(Request)
        /// Answer with this error and close the connection.
        case refuse(ControlAPIError)
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
    }

    public let maxBodyBytes: Int
    private var state = State.idle

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Takes one decoded part. After `.refuse` the assembler must not be used again (the connection closes).
    public mutating func receive(_ part: HTTPServerRequestPart) -> Action {
        switch (state, part) {
        case (.idle, .head(let head)):
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > maxBodyBytes {
                return .refuse(tooLarge)
            }
            state = .receiving(head, ByteBuffer())
            return .none
        case (.receiving(let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                return .refuse(tooLarge)
            }
            state = .idle  // drop our reference so that the append does not copy
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
            return .none
        case (.receiving(let head, let body), .end):
            state = .idle
            let request = Request(
                method: head.method.rawValue,
                target: head.uri,
                body: Array(body.readableBytesView),
                keepAlive: head.isKeepAlive
            )
            return .request(request)
        case (.idle, .body), (.idle, .end), (.receiving, .head):
            // The decoder never produces these orders; refuse rather than guess.
            return .refuse(.badRequest("unexpected HTTP message order"))
        }
    }

    private var tooLarge: ControlAPIError {
        .payloadTooLarge("the request body exceeds \(maxBodyBytes) bytes")
    }

    /// The answer to bytes that NIO's HTTP decoder refused.
    public static func malformed(_ error: any Error) -> ControlAPIError {
        .badRequest("malformed HTTP request: \(error)")
    }
}
