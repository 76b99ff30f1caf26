/// Which published messages the broker has confirmed. Delivery tags count up from 1 per channel once
/// `confirm.select` is on; an ack or nack may cover every tag up to its own (`multiple`). Pure, so it is tested
/// without a broker.
public struct AMQPConfirms: Equatable, Sendable {
    /// The tag the next published message gets.
    public private(set) var nextTag: UInt64 = 1
    /// Published, neither acked nor nacked yet.
    public private(set) var outstanding: Set<UInt64> = []
    /// Nacked and not yet reported.
    public private(set) var refused: [UInt64] = []

    public init() {}

    /// Records `count` publishes; returns their tags.
    public mutating func published(_ count: Int) -> ClosedRange<UInt64>? {
        guard count > 0 else { return nil }
        let first = nextTag
        nextTag += UInt64(count)
        for tag in first..<nextTag { outstanding.insert(tag) }
        return first...(nextTag - 1)
    }

    public mutating func ack(_ tag: UInt64, multiple: Bool) {
        settle(tag, multiple: multiple, refused: false)
    }

    public mutating func nack(_ tag: UInt64, multiple: Bool) {
        settle(tag, multiple: multiple, refused: true)
    }

    public var settled: Bool { outstanding.isEmpty }

    private mutating func settle(_ tag: UInt64, multiple: Bool, refused isRefused: Bool) {
        let tags = multiple ? outstanding.filter { $0 <= tag } : (outstanding.contains(tag) ? [tag] : [])
        for settledTag in tags.sorted() {
            outstanding.remove(settledTag)
            if isRefused { refused.append(settledTag) }
        }
    }
}

extension AMQPConfirms {
    /// The nacked tags since the last call, emptied.
    public mutating func takeRefused() -> [UInt64] {
        defer { refused = [] }
        return refused
    }
}
