public import BerthControlProtocol
import Foundation

/// `berth status --json`: exactly the `GET /v1/status` document, with sorted keys and pretty printing so that the
/// output is stable for scripts and diffs.
public enum StatusJSON {
    public static func render(_ status: StatusResponse) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(status)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
