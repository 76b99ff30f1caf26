/// A `ContinuousClock.Instant` kept as its offset from a fixed origin, for storing in the gateway's per-request
/// values.
///
/// `ContinuousClock.Instant` is not `@frozen` in the standard library: its layout is known only at run time, and so
/// is the layout of every struct and enum that stores one. The exchange machine's state, its exchange and the
/// balancer's entries held instants, so each copy, comparison and enum switch of them went through value-witness
/// and generic-metadata calls (outlined copies of `ExchangeMachine.State`, `swift_getEnumCaseMultiPayload`, about
/// 8,000 instructions per request in the profile). `Duration` is frozen: a `Moment` is two integers.
public struct Moment: Sendable, Hashable, Comparable {
    /// Since `origin`; negative for instants before it.
    public var offset: Duration

    /// Any fixed instant will do: only differences between moments mean anything.
    static let origin = ContinuousClock.Instant.now

    public init(_ instant: ContinuousClock.Instant) {
        offset = Self.origin.duration(to: instant)
    }

    init(offset: Duration) {
        self.offset = offset
    }

    public var instant: ContinuousClock.Instant { Self.origin.advanced(by: offset) }

    public static func < (lhs: Moment, rhs: Moment) -> Bool { lhs.offset < rhs.offset }

    public static func + (lhs: Moment, rhs: Duration) -> Moment { Moment(offset: lhs.offset + rhs) }
}
