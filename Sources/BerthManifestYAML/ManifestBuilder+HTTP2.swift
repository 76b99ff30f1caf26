public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `gateway: { http2: { max_concurrent_streams, max_header_list_size, header_table_size, initial_window,
    /// max_resets, reset_window } }`; every value range-checked with its position.
    func http2Limits(_ node: Node) -> HTTP2LimitsSpec {
        var spec = HTTP2LimitsSpec()
        guard
            let reader = MappingReader(
                node, key: "http2", section: ManifestSchema.http2, owner: "'http2'", context: context)
        else { return spec }
        typealias Defaults = HTTP2LimitsSpec.Defaults
        if let value = bounded(reader, "max_concurrent_streams", Defaults.streamsRange) {
            spec.maxConcurrentStreams = value
        }
        if let value = bounded(reader, "max_header_list_size", Defaults.headerListRange) {
            spec.maxHeaderListSize = value
        }
        if let value = bounded(reader, "header_table_size", Defaults.headerTableRange) { spec.headerTableSize = value }
        if let value = bounded(reader, "initial_window", Defaults.initialWindowRange) { spec.initialWindow = value }
        if let value = bounded(reader, "max_resets", Defaults.resetsRange) { spec.maxResets = value }
        if let value = reader.duration("reset_window", positive: true) { spec.resetWindow = value }
        return spec
    }

    /// An integer within `range`, else an error naming the range at the value.
    private func bounded(_ reader: MappingReader, _ key: String, _ range: ClosedRange<Int>) -> Int? {
        guard let value = reader.int(key, minimum: range.lowerBound) else { return nil }
        guard value <= range.upperBound else {
            context.error("'\(key)' must be <= \(range.upperBound), got \(value)", at: reader[key])
            return nil
        }
        return value
    }
}
