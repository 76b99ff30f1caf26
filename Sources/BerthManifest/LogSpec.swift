/// The `log:` section: where the daemon sends the replicas' output and its own events.
public struct LogSpec: Sendable, Codable, Equatable {
    /// `log.driver`: `auto` picks journald when a live journal socket is found, else `file`.
    public enum Driver: String, Sendable, Codable, Equatable, CaseIterable {
        case auto
        case journald
        case file
    }

    public var driver: Driver

    public init(driver: Driver = ManifestSchema.Defaults.logDriver) {
        self.driver = driver
    }
}
