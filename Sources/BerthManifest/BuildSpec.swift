/// A service's `build:` step: a command that produces what the service runs, run by `berth up` before the first
/// start and skipped while its inputs are unchanged.
///
/// Services whose steps have the same command and workdir share one build (`Manifest.buildSteps`).
public struct BuildSpec: Sendable, Codable, Equatable {
    /// The program and its arguments (no shell involved).
    public var command: [String]
    /// Absolute, normalized folder the command runs in (the manifest's folder by default).
    public var workdir: String
    /// Glob patterns, relative to `workdir`, of the files whose paths, sizes and modification times make the
    /// fingerprint. Empty: the build runs every time.
    public var inputs: [GlobPattern]
    /// Where `build:` is in the manifest.
    public var location: SourceLocation?

    public init(command: [String], workdir: String, inputs: [GlobPattern] = [], location: SourceLocation? = nil) {
        self.command = command
        self.workdir = workdir
        self.inputs = inputs
        self.location = location
    }

    /// What makes two steps the same build.
    public var identity: BuildIdentity { BuildIdentity(command: command, workdir: workdir) }
}

/// The command and workdir of a build step: steps with equal identities run once.
public struct BuildIdentity: Sendable, Codable, Hashable {
    public var command: [String]
    public var workdir: String

    public init(command: [String], workdir: String) {
        self.command = command
        self.workdir = workdir
    }
}

/// One build to run and the services that need it.
public struct BuildStep: Sendable, Codable, Equatable {
    public var spec: BuildSpec
    /// The services with this build, in start order.
    public var services: [String]

    public init(spec: BuildSpec, services: [String]) {
        self.spec = spec
        self.services = services
    }
}
