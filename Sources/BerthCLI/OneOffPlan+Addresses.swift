import BerthControlProtocol
import BerthManifest

extension OneOffPlan {
    /// For `berth run`: the service addresses its spec refers to, from the project's daemon when one answers (no
    /// daemon is needed otherwise). A port that cannot be known is said on stderr and left empty, as the value of
    /// an unset variable is.
    static func runningAddresses(
        _ manifest: Manifest, _ service: String, _ options: GlobalOptions
    ) throws(CLIFailure) -> [String: String] {
        guard let spec = manifest.services[service], !ServiceAddress.references(of: spec).isEmpty else { return [:] }
        let status = try? ProjectContext.resolve(options, requireManifest: false).probe()
        let found = addresses(of: spec, in: manifest, status: status ?? nil)
        for name in Set(found.missing).sorted() {
            Terminal.error(
                "berth: note: ${services.\(name).port} is empty: \(name) is not running (start it with berth up)")
        }
        return found.values
    }
}
