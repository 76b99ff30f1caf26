/// The `log:` section: where the daemon sends the replicas' output and its own events.
public struct LogSpec: Sendable, Equatable {
    /// `log.driver`: `auto` picks journald when a live journal socket is found, else `file`.
    public enum Driver: String, Sendable, Equatable, CaseIterable {
        case auto
        case journald
        case file
    }

    public var driver: Driver

    public init(driver: Driver = ManifestSchema.Defaults.logDriver) {
        self.driver = driver
    }
}
