public import BerthManifest

extension ManifestBuilder {
    /// `keepalive: true|false` of an http probe (default true: the connection is kept for the next probe); an error
    /// on any other check, which has no connection to keep.
    func probeKeepAlive(_ reader: MappingReader, key: String, check: ProbeSpec.Check) -> Bool {
        guard reader["keepalive"] != nil else { return true }
        guard case .http = check else {
            context.error(
                "'\(key).keepalive' applies to http probes only (a kept-alive HTTP connection)",
                at: reader.keyNode("keepalive"))
            return true
        }
        return reader.bool("keepalive") ?? true
    }
}
