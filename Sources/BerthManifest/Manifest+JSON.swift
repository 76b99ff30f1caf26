#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why a resolved manifest (the JSON of `berth resolve`) could not be read back: berthd never parses YAML itself, so
/// this is the one way a manifest reaches it, and a mismatch between the two binaries must say so plainly.
public struct ManifestJSONError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension Manifest {
    /// The resolved manifest as JSON: what `berth resolve` prints for berthd (validated, interpolated, defaults
    /// applied; secrets in clear: it only travels over a pipe between two processes of the same user).
    public func json() throws(ManifestJSONError) -> [UInt8] {
        try encodedJSON(self)
    }

    /// Reads back what `json()` wrote.
    public init(json: [UInt8]) throws(ManifestJSONError) {
        self = try decodedJSON(json)
    }
}

/// What `berth resolve` prints on stdout: the resolved manifest, or the diagnostics of an invalid one (as `berth check`
/// prints them). berthd tells the two apart by this, not by the exit status, which its reaper may collect first.
public enum ResolvedManifest: Codable, Sendable {
    case manifest(Manifest)
    case invalid(diagnostics: String)

    public func json() throws(ManifestJSONError) -> [UInt8] {
        try encodedJSON(self)
    }

    public init(json: [UInt8]) throws(ManifestJSONError) {
        self = try decodedJSON(json)
    }
}

private func encodedJSON(_ value: some Encodable) throws(ManifestJSONError) -> [UInt8] {
    do {
        return Array(try JSONEncoder().encode(value))
    } catch {
        throw ManifestJSONError(description: "cannot encode the manifest: \(error)")
    }
}

private func decodedJSON<Value: Decodable>(_ json: [UInt8]) throws(ManifestJSONError) -> Value {
    do {
        return try JSONDecoder().decode(Value.self, from: Data(json))
    } catch {
        throw ManifestJSONError(description: "cannot decode the resolved manifest: \(error)")
    }
}
