/// Sizes in the manifest: `512M`, `1.5G`, `64Ki`, `1048576`.
///
/// K, M, G and T are powers of 1024, as in systemd and Docker (`Ki`, `Mi`, `Gi`, `Ti` mean the same and read as
/// Kubernetes does); a bare number is bytes. Lower case is accepted. A pure parser so that its errors are tested.
public enum ByteSizeText {
    static let units: [(suffix: String, factor: Double)] = [
        ("ki", 1024), ("mi", 1024 * 1024), ("gi", 1024 * 1024 * 1024), ("ti", 1024 * 1024 * 1024 * 1024),
        ("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024), ("t", 1024 * 1024 * 1024 * 1024),
    ]

    /// The size in bytes, or a message saying what is accepted.
    public static func parse(_ text: String) -> Result<Int, ByteSizeError> {
        let lowered = text.lowercased()
        var number = Substring(lowered)
        var factor = 1.0
        if let unit = units.first(where: { lowered.hasSuffix($0.suffix) }) {
            number = number.dropLast(unit.suffix.count)
            factor = unit.factor
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
            value.isFinite, value >= 0
        else { return .failure(ByteSizeError(text: text)) }
        let bytes = (value * factor).rounded()
        guard bytes < Double(Int.max) else { return .failure(ByteSizeError(text: text)) }
        return .success(Int(bytes))
    }

    /// A measured size for people, to one decimal: `812K`, `45.1M`, `1.5G` (a limit is written exactly with
    /// `format`; a measurement exactly is `46172K`, which nobody reads at a glance).
    public static func approximate(_ bytes: Int) -> String {
        for (suffix, factor) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes >= factor {
            let tenths = Int((Double(bytes) / Double(factor) * 10).rounded())
            return (tenths % 10 == 0 || tenths >= 1000 ? "\((tenths + 5) / 10)" : "\(tenths / 10).\(tenths % 10)")
                + suffix
        }
        return "\(bytes)B"
    }

    /// The shortest exact text for `bytes`: `512M`, `1536K`, `1000` (for exports and messages).
    public static func format(_ bytes: Int) -> String {
        for (suffix, factor) in [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return String(bytes)
    }
}

/// A size that could not be read.
public struct ByteSizeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String

    public var description: String {
        "'\(text)' is not a size; use a number of bytes or one with a unit K, M, G, T (powers of 1024; Ki, Mi, Gi, "
            + "Ti also), e.g. 512M"
    }
}
