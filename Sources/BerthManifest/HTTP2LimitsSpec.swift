/// `gateway: { http2: ... }`: the limits of the gateway's HTTP/2 connections with clients, so that an operator can
/// tighten what one client may make the gateway hold (streams, header bytes, HPACK table, buffered window) and how
/// fast it may reset streams (CVE-2023-44487), or loosen them for a trusted high-fan-out client.
public struct HTTP2LimitsSpec: Sendable, Codable, Equatable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS offered to each client connection.
    public var maxConcurrentStreams = Defaults.maxConcurrentStreams
    /// SETTINGS_MAX_HEADER_LIST_SIZE (decoded bytes of one header block); nil = the gateway's `max_header_bytes`.
    public var maxHeaderListSize: Int?
    /// SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table a client may make the gateway keep.
    public var headerTableSize = Defaults.headerTableSize
    /// SETTINGS_INITIAL_WINDOW_SIZE: the flow-control window per stream (what the gateway buffers per stream).
    public var initialWindow = Defaults.initialWindow
    /// RST_STREAM frames a client may send within `resetWindow` before GOAWAY ENHANCE_YOUR_CALM.
    public var maxResets = Defaults.maxResets
    public var resetWindow = Defaults.resetWindow

    public init() {}

    /// Defaults and bounds, in one place for the builder, the docs and the tests.
    public enum Defaults {
        public static let maxConcurrentStreams = 100
        public static let streamsRange = 1...10_000
        public static let headerTableSize = 4096
        public static let headerTableRange = 0...65_536
        public static let headerListRange = 1024...(1 << 20)
        public static let initialWindow = 65_535
        /// RFC 9113 §6.9.2: at most 2^31-1; the gateway keeps at most 16 MiB per stream.
        public static let initialWindowRange = 1024...(16 << 20)
        public static let maxResets = 200
        public static let resetsRange = 1...100_000
        public static let resetWindow = Duration.seconds(30)
    }
}
