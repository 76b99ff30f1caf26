import NIOHTTP2

/// A stream id as the key of the gateway's per-connection stream tables, hashed without `Hasher`: `HTTP2StreamID`'s
/// own hashing runs SipHash (seed, combine, finalize: ~230 instructions), and each call looks its streams up about
/// a dozen times across both legs (~3 % of the gateway's instructions per request in bench/h2-profile.sh). The
/// ids are small integers chosen by the peer; the mix below spreads them over the buckets and takes the table's
/// per-process seed, and a connection holds at most its few hundred concurrent streams, so even ids chosen to
/// collide cost a bounded probe.
struct HTTP2StreamKey: Hashable {
    let id: HTTP2StreamID

    init(_ id: HTTP2StreamID) {
        self.id = id
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(_rawHashValue(seed: 0))
    }

    /// What `Dictionary` and `Set` call (with their seed) instead of `hash(into:)`: splitmix64's finalizer.
    func _rawHashValue(seed: Int) -> Int {
        var x = UInt64(truncatingIfNeeded: Int(id)) ^ UInt64(truncatingIfNeeded: seed)
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int(truncatingIfNeeded: x ^ (x >> 31))
    }
}
