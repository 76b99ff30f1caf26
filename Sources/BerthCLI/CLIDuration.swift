public import ArgumentParser

/// A `--timeout` value: "60s", "500ms", "2m", "1h" or a bare number of seconds ("1.5").
///
/// Kept independent from the manifest's duration syntax so the CLI parses its flags without loading a manifest.
public struct CLIDuration: Sendable, Equatable, CustomStringConvertible, ExpressibleByArgument {
    public var milliseconds: Int

    public init(milliseconds: Int) {
        self.milliseconds = milliseconds
    }

    public static func seconds(_ seconds: Int) -> Self { Self(milliseconds: seconds * 1000) }

    /// Parses `text`; nil when it is not a non-negative number with an optional unit (ms, s, m, h).
    public init?(_ text: String) {
        let units: [(suffix: String, factor: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(text)
        var factor = 1000.0
        for unit in units where number.hasSuffix(unit.suffix) {
            number = number.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value.isFinite
        else { return nil }
        let total = (value * factor).rounded()
        guard total <= Double(Int32.max) else { return nil }
        self.milliseconds = Int(total)
    }

    /// Parses an option's value, saying what was expected: `-1` or `soon` is an error that names the forms.
    /// (The options that use it parse unconditionally, so that `--timeout -1` reaches it instead of being taken
    /// for an option and reported as a missing value.)
    public static func parse(_ text: String) throws(ValidationError) -> Self {
        guard let duration = Self(text) else {
            throw ValidationError("must be a non-negative number of seconds or a duration such as 500ms, 60s, 2m, 1h")
        }
        return duration
    }

    public init?(argument: String) {
        self.init(argument)
    }

    public var duration: Duration { .milliseconds(milliseconds) }

    public var description: String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    public var defaultValueDescription: String { description }
}
