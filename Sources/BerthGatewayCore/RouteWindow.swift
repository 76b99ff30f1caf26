/// A route's traffic over the last few minutes, one bucket per second: requests, 5xx answers and a compact latency
/// histogram, for the dashboard's charts.
///
/// Recording is on the gateway's request path, so it is one bucket update into a flat array that is allocated
/// once: no allocation, no division beyond the second. Latency bins grow by √2 from 100 µs (bin 0: up to 100 µs,
/// bin 1: up to 141 µs, ... bin 31: everything above 4.6 s), so a percentile is known within a factor of √2.
public struct RouteWindow: Sendable {
    public static let defaultSeconds = 300
    public static let bins = 32
    /// Per bucket: requests, errors, then `bins` latency counts.
    static let stride = 2 + bins
    static let firstBound: Int64 = 100_000

    public let seconds: Int
    private var counts: [UInt32]
    /// The second each bucket holds (a bucket whose second is old is empty).
    private var bucketSecond: [Int64]

    public init(seconds: Int = RouteWindow.defaultSeconds) {
        self.seconds = max(1, seconds)
        counts = [UInt32](repeating: 0, count: self.seconds * Self.stride)
        bucketSecond = [Int64](repeating: -1, count: self.seconds)
    }

    /// One request answered with `status` after `nanoseconds`, in second `second` (any monotonic clock).
    public mutating func record(second: Int64, status: Int, nanoseconds: Int64) {
        let bucket = Int(second % Int64(seconds))
        let base = bucket * Self.stride
        if bucketSecond[bucket] != second {
            bucketSecond[bucket] = second
            for index in base..<(base + Self.stride) { counts[index] = 0 }
        }
        counts[base] &+= 1
        if status >= 500 { counts[base + 1] &+= 1 }
        counts[base + 2 + Self.bin(nanoseconds)] &+= 1
    }

    /// The latency bin of a duration: the first whose upper bound is at least `nanoseconds` (binary search over
    /// 31 bounds: five comparisons).
    static func bin(_ nanoseconds: Int64) -> Int {
        var low = 0
        var high = bins - 1
        while low < high {
            let middle = (low + high) / 2
            if nanoseconds <= boundsNanoseconds[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Upper bounds of bins 0...30 in nanoseconds: 100 µs · √2^k.
    static let boundsNanoseconds: [Int64] = (0..<(bins - 1)).map { Int64((upperBoundMilliseconds($0) * 1e6).rounded()) }

    /// The upper bound of a bin in milliseconds (the last bin's is its lower bound: it has none).
    public static func upperBoundMilliseconds(_ bin: Int) -> Double {
        let bin = min(bin, bins - 2)
        return 0.1 * pow2Half(bin)
    }

    private static func pow2Half(_ steps: Int) -> Double {
        var value = 1.0
        for _ in 0..<(steps / 2) { value *= 2 }
        if steps % 2 == 1 { value *= 1.4142135623730951 }
        return value
    }

    /// One second's figures.
    public struct Second: Sendable, Equatable {
        public var second: Int64
        public var requests: Int
        public var errors: Int
        /// Milliseconds; nil without requests.
        public var p50: Double?
        public var p99: Double?
    }

    /// The figures of `second` (zeros when nothing was recorded in it, or it has left the window).
    public func figures(second: Int64) -> Second {
        let bucket = Int(((second % Int64(seconds)) + Int64(seconds)) % Int64(seconds))
        guard second >= 0, bucketSecond[bucket] == second else {
            return Second(second: second, requests: 0, errors: 0, p50: nil, p99: nil)
        }
        let base = bucket * Self.stride
        let requests = Int(counts[base])
        let histogram = counts[(base + 2)..<(base + Self.stride)]
        return Second(
            second: second, requests: requests, errors: Int(counts[base + 1]),
            p50: Self.percentile(0.50, histogram, total: requests),
            p99: Self.percentile(0.99, histogram, total: requests))
    }

    /// The last `count` seconds up to and including `second`, oldest first.
    public func series(endingAt second: Int64, count: Int) -> [Second] {
        let count = min(count, seconds)
        return (0..<count).map { figures(second: second - Int64(count - 1 - $0)) }
    }

    static func percentile(_ fraction: Double, _ histogram: ArraySlice<UInt32>, total: Int) -> Double? {
        guard total > 0 else { return nil }
        // The smallest bin at which at least `fraction` of the requests are counted.
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for (offset, count) in histogram.enumerated() {
            seen += Int(count)
            if seen >= rank { return upperBoundMilliseconds(offset) }
        }
        return upperBoundMilliseconds(bins - 1)
    }
}
