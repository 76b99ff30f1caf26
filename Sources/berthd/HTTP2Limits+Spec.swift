public import BerthGateway
public import BerthManifest

extension HTTP2Limits {
    /// The manifest's `gateway: { http2: ... }` for the gateway.
    public init(_ spec: HTTP2LimitsSpec) {
        self.init()
        maxConcurrentStreams = spec.maxConcurrentStreams
        maxHeaderListSize = spec.maxHeaderListSize
        headerTableSize = spec.headerTableSize
        initialWindow = spec.initialWindow
        maxResets = spec.maxResets
        resetWindow = spec.resetWindow
    }
}
