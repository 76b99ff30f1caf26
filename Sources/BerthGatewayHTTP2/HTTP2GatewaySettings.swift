public import NIOCore
public import NIOHTTP2

/// The limits of the gateway's HTTP/2 connections, towards clients and replicas: they bound what one client can
/// make the gateway hold (streams, header bytes, HPACK table, buffered window) and how fast it may reset streams
/// (CVE-2023-44487, "rapid reset") or send CONTINUATION frames.
public struct HTTP2GatewaySettings: Sendable, Equatable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS offered to clients; a stream above it is refused.
    public var maxConcurrentStreams = 100
    /// SETTINGS_MAX_HEADER_LIST_SIZE: the decoded size of a header block (the gateway's `max_header_bytes`).
    public var maxHeaderListSize = 16 * 1024
    /// SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table a client may make the gateway keep.
    public var headerTableSize = 4096
    /// The flow-control window per stream: what the gateway buffers per stream at most in each direction.
    public var streamWindow = 65_535
    /// The flow-control window per connection.
    public var connectionWindow = 1 << 20
    /// RST_STREAM frames a client may send in `resetWindow` before its connection is closed with GOAWAY
    /// (ENHANCE_YOUR_CALM): the defence against rapid reset.
    public var maxResets = 200
    public var resetWindow = TimeAmount.seconds(30)
    /// CONTINUATION frames in a row in one header block before the connection is closed.
    public var maxContinuationFrames = 5
    /// A client connection with no open stream is closed (GOAWAY) after this long.
    public var idleTimeout = TimeAmount.seconds(60)
    /// A header block (HEADERS and its CONTINUATIONs) not finished this long after it started closes the connection
    /// (GOAWAY ENHANCE_YOUR_CALM): the gateway's `header_timeout`, as for an HTTP/1.1 request head.
    public var headerTimeout = TimeAmount.seconds(10)
    /// A call whose client takes none of its response for this long is ended (RST_STREAM CANCEL, its replica's
    /// stream or connection closed): the gateway's `send_timeout`, as for HTTP/1.1 clients.
    public var sendTimeout = TimeAmount.seconds(30)
    /// A call whose client sends none of its request for this long, while the replica has not answered, is ended
    /// (gRPC `DEADLINE_EXCEEDED`, else 408) and its replica's stream closed: the gateway's `body_timeout`.
    public var bodyTimeout = TimeAmount.seconds(20)
    /// How long open streams may take to finish after a GOAWAY when the gateway shuts down.
    public var graceTime = TimeAmount.seconds(30)
    /// Multiplexed connections per replica (streams are spread over them, least busy first).
    public var connectionsPerReplica = 2
    /// How long the gateway waits while a service is starting (gRPC: UNAVAILABLE after it).
    public var queueTimeout = TimeAmount.seconds(5)
    /// The replica leg runs the gateway's own frame codec (`ReplicaCodecHandler`) instead of NIOHTTP2's.
    public var replicaCodec = true
    /// On NIOHTTP2's client leg (`clientCodec = false`), header blocks are checked by the gateway (`HTTP2HeaderCheck`,
    /// the same rules) with NIOHTTP2's own check off; false brings NIOHTTP2's check back (for A/B runs and as a
    /// fallback). The own codec always checks with `HTTP2HeaderCheck`.
    public var ownHeaderCheck = true
    /// A client's connection runs the gateway's own codec (`ClientCodecHandler`, `ClientConnectionState`) instead of
    /// `NIOHTTP2Handler`; false brings NIOHTTP2's leg back (for A/B runs and as a fallback, like `replicaCodec`).
    public var clientCodec = true
    /// The own codecs (`clientCodec`, `replicaCodec`) decode header blocks with the gateway's `HPACKFieldDecoder`;
    /// false brings NIOHPACK's decoder back on them (for A/B runs and as a fallback).
    public var ownHPACKDecoder = true

    public init() {}

    /// The SETTINGS frame sent to clients.
    var serverSettings: HTTP2Settings {
        [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: maxHeaderListSize),
            HTTP2Setting(parameter: .headerTableSize, value: headerTableSize),
            HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
            HTTP2Setting(parameter: .enablePush, value: 0),
        ]
    }

    /// The connection configuration for both sides (the server side advertises `serverSettings`).
    func connectionConfiguration(server: Bool) -> NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        if server {
            configuration.initialSettings = serverSettings
            // `ClientFrameHandler` and `HTTP2ClientStream` check each block instead, with the same rules and the same
            // answers (`HTTP2HeaderCheck`), at about a third of the instructions. Content-length against DATA, the
            // trailers' END_STREAM and the stream states stay NIOHTTP2's.
            if ownHeaderCheck { configuration.headerBlockValidation = .disabled }
        } else {
            configuration.initialSettings = [
                HTTP2Setting(parameter: .maxHeaderListSize, value: max(maxHeaderListSize, 64 * 1024)),
                HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
                HTTP2Setting(parameter: .enablePush, value: 0),
            ]
            // Each header block is validated once, on the client's connection, not twice: a request there when it
            // arrives (before it is forwarded here), a replica's response there when it is written to the client
            // (an invalid one fails that write and the client's stream is reset: `HTTP2ClientStream`); a client
            // over HTTP/1.1 gets the response through NIOHTTP1's outbound validation. Validating here too cost
            // ~7 % of the gateway's instructions per request (bench/h2-profile.sh).
            configuration.headerBlockValidation = .disabled
        }
        configuration.maximumSequentialContinuationFrames = maxContinuationFrames
        configuration.targetWindowSize = connectionWindow
        return configuration
    }

    func streamConfiguration() -> NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = streamWindow
        configuration.streamResetFrameRateLimit.maximumCount = maxResets
        configuration.streamResetFrameRateLimit.windowLength = resetWindow
        return configuration
    }
}
