/// The `grpc-timeout` header's value (gRPC over HTTP/2: at most 8 digits and a unit, `H`, `M`, `S`, `m`, `u` or
/// `n`), written and read by the shop itself because grpc-swift's own type is internal: the saga's calls send the
/// header without grpc-swift's deadline machinery (`LoopDeadline` in ShopRPC), and the server transport reads it
/// before grpc-swift does (`GRPCFields.requestMetadata`).
public enum GRPCTimeout {
    /// The metadata key.
    public static let key = "grpc-timeout"

    /// The most digits the value may have.
    static let maxAmount: Int64 = 99_999_999

    private static let units: [(symbol: Character, nanoseconds: Int64)] = [
        ("n", 1), ("u", 1_000), ("m", 1_000_000), ("S", 1_000_000_000), ("M", 60_000_000_000),
        ("H", 3_600_000_000_000),
    ]

    /// The finest unit in which `duration` fits in 8 digits, rounded up (a deadline is never sent shorter than it
    /// is); a duration at or below zero is `0n`, which the receiver treats as already passed.
    public static func encode(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard seconds > 0 || (seconds == 0 && attoseconds > 0) else { return "0n" }
        // Nanoseconds, rounded up; saturates far beyond any deadline the shop sets (292 years).
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, sumOverflow) = whole.addingReportingOverflow((attoseconds + 999_999_999) / 1_000_000_000)
        let nanoseconds = overflow || sumOverflow ? Int64.max : sum
        for unit in units {
            let amount = nanoseconds / unit.nanoseconds + (nanoseconds % unit.nanoseconds == 0 ? 0 : 1)
            if amount <= maxAmount { return "\(amount)\(unit.symbol)" }
        }
        return "\(maxAmount)H"
    }

    /// The duration a header value names; nil when it is not 1 to 8 digits and a known unit.
    public static func decode(_ value: String) -> Duration? {
        guard let symbol = value.last, (2...9).contains(value.utf8.count) else { return nil }
        let digits = value.dropLast()
        guard digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let amount = Int64(digits), let unit = units.first(where: { $0.symbol == symbol })
        else { return nil }
        // At most 99,999,999 hours: within Duration's range (seconds as Int64).
        switch symbol {
        case "H", "M", "S": return .seconds(amount * (unit.nanoseconds / 1_000_000_000))
        default: return .nanoseconds(amount * unit.nanoseconds)
        }
    }
}
