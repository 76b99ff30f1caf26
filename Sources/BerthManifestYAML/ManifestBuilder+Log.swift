public import BerthManifest
import Yams

extension ManifestBuilder {
    /// The `log:` section; the default when absent (or, with a diagnostic, when invalid).
    func logSpec(_ node: Node?) -> LogSpec {
        guard let node else { return LogSpec() }
        guard
            let reader = MappingReader(
                node, key: "log", section: ManifestSchema.log, owner: "'log'",
                context: context)
        else { return LogSpec() }
        guard let text = reader.string("driver") else { return LogSpec() }
        guard let driver = LogSpec.Driver(rawValue: text) else {
            let names = LogSpec.Driver.allCases.map(\.rawValue)
            let hint = context.hint(for: text, among: names)
            context.error(
                "'log.driver' must be one of \(names.joined(separator: ", ")), got '\(text)'\(hint)",
                at: reader["driver"])
            return LogSpec()
        }
        return LogSpec(driver: driver)
    }
}
