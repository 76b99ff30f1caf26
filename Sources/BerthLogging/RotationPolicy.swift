/// When and how a log file is rotated: once writing the next line would take the file past `maxBytes`, `NAME.log`
/// becomes `NAME.log.1`, `.1` becomes `.2` and so on; `.keep` (the oldest) is overwritten. Pure, so it is tested
/// without files.
public struct RotationPolicy: Sendable, Equatable {
    public static let standard = RotationPolicy(maxBytes: 10 * 1024 * 1024, keep: 3)

    public var maxBytes: Int
    /// How many rotated files are kept besides the current one.
    public var keep: Int

    public init(maxBytes: Int, keep: Int) {
        precondition(maxBytes > 0 && keep >= 0)
        self.maxBytes = maxBytes
        self.keep = keep
    }

    /// true when a line of `adding` bytes does not fit in a file of `size` bytes. A line alone longer than
    /// `maxBytes` still goes into a fresh file (an empty file is never rotated).
    public func shouldRotate(size: Int, adding: Int) -> Bool {
        size > 0 && size + adding > maxBytes
    }

    /// The renames that rotate `base`, oldest first (each one overwrites its target).
    public func renames(of base: String) -> [(from: String, to: String)] {
        guard keep > 0 else { return [] }
        var steps: [(from: String, to: String)] = []
        for index in stride(from: keep - 1, through: 1, by: -1) {
            steps.append((from: "\(base).\(index)", to: "\(base).\(index + 1)"))
        }
        steps.append((from: base, to: "\(base).1"))
        return steps
    }

    /// Every file of `base`, oldest first.
    public func files(of base: String) -> [String] {
        stride(from: keep, through: 1, by: -1).map { "\(base).\($0)" } + [base]
    }
}
