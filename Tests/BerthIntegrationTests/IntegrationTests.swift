import BerthControlProtocol
import Foundation
import Testing

/// End-to-end scenarios that drive the real `berth`, `berthd` and `berth-fixture` binaries the way a user would.
///
/// Serialized: each scenario starts its own daemon and processes in its own temp dir, and cleans everything up by
/// pid whether it passed or not. Scenarios live in `IntegrationTests+*.swift`.
@Suite(.serialized)
struct IntegrationTests {
    /// `"a", "b"` for a YAML flow sequence (paths and flags here contain no quotes or backslashes).
    static func yamlList(_ items: [String]) -> String {
        "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }

    /// The fixture with `flags`, as a YAML command.
    static func fixture(_ flags: String...) throws -> String {
        yamlList([try Binaries.fixture] + flags)
    }
}
