import BerthControlProtocol

/// The service names the CLI accepts on its command line: the manifest's and the control API's rule, so that a
/// name the daemon would refuse (`web.1` out of `web.1.2`) is refused here, naming what the user typed.
enum ServiceName {
    static func isValid(_ name: String) -> Bool {
        ServiceNameRule.isValid(name)
    }
}
