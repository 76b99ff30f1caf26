public import BerthManifest
import Foundation
import Yams

extension ManifestBuilder {
    /// `port_range: LOW-HIGH` (both 1024...65535, LOW <= HIGH): the ports `port: auto` picks from.
    func portRange(_ reader: MappingReader) -> ClosedRange<Int>? {
        guard let text = reader.string("port_range") else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let low = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let high = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            context.error("'port_range' must be LOW-HIGH, e.g. 20000-20999, got '\(text)'", at: reader["port_range"])
            return nil
        }
        guard (1024...65535).contains(low), (1024...65535).contains(high), low <= high else {
            context.error(
                "'port_range' must lie within 1024-65535 with LOW <= HIGH, got \(low)-\(high)", at: reader["port_range"]
            )
            return nil
        }
        return low...high
    }
}
