/// The choices of a systemd export that the manifest does not make: the systemd version to target and how program
/// names become absolute paths.
public struct SystemdExportOptions: Sendable {
    /// The oldest systemd version the units must load on; 252 is Debian 12's.
    public var systemdVersion: Int
    /// Finds a program on the PATH of the machine that exports; nil when it is not there.
    public var resolveProgram: @Sendable (String) -> String?

    /// `RestartSteps=` and `RestartMaxDelaySec=` exist from this version on.
    public static let restartStepsVersion = 254
    public static let defaultSystemdVersion = 252

    public init(
        systemdVersion: Int = defaultSystemdVersion,
        resolveProgram: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.systemdVersion = systemdVersion
        self.resolveProgram = resolveProgram
    }
}
