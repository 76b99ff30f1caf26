extension HTTP2GatewaySettings {
    /// SETTINGS_MAX_HEADER_LIST_SIZE towards replicas: a response's headers may be larger than a client's request's.
    var replicaMaxHeaderListSize: Int { max(maxHeaderListSize, 64 * 1024) }

    /// The SETTINGS the gateway's own codec sends a replica (the same values as NIOHTTP2's client side sends).
    var replicaSettings: [ReplicaSetting] {
        [
            ReplicaSetting(identifier: ReplicaSetting.maxHeaderListSize, value: UInt32(replicaMaxHeaderListSize)),
            ReplicaSetting(identifier: ReplicaSetting.initialWindowSize, value: UInt32(streamWindow)),
            ReplicaSetting(identifier: ReplicaSetting.enablePush, value: 0),
        ]
    }
}
