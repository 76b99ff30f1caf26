/// The JSON shapes of `GET /v1/status` (and `berth status --json`).
///
/// Field names are the documented, stable schema (see docs/control-api.md): later versions may add fields, never
/// rename or remove them. Keys are snake_case on the wire.
public struct StatusResponse: Codable, Sendable, Equatable {
    public var project: String
    public var daemonPID: Int32
    public var manifest: String
    public var services: [ServiceStatus]
    /// Where the replicas' output goes: `journald` or `file` (absent from daemons that predate log drivers).
    public var logDriver: String?
    /// What is wrong with the daemon itself now (its state file cannot be written, log lines cannot be stored):
    /// said here because the log may be where the trouble is. Absent when nothing is.
    public var problems: [String]?

    public init(
        project: String, daemonPID: Int32, manifest: String, services: [ServiceStatus], logDriver: String? = nil
    ) {
        self.project = project
        self.daemonPID = daemonPID
        self.manifest = manifest
        self.services = services
        self.logDriver = logDriver
    }

    enum CodingKeys: String, CodingKey {
        case project, manifest, services
        case daemonPID = "daemon_pid"
        case logDriver = "log_driver"
        case problems
    }
}

/// One service: how many replicas it should have and what each one is doing.
public struct ServiceStatus: Codable, Sendable, Equatable {
    public var name: String
    public var desired: Int
    public var replicas: [ReplicaStatus]
    /// The service's spec generation: 1 at start, plus one for each applied change or rolling restart.
    public var generation: Int?
    /// The rollout in progress ("rolling: 1 of 3 replaced") or how the last one ended ("rolled back: ...").
    public var rollout: String?
    /// `schedule:` jobs only: when it last and next runs.
    public var schedule: ScheduleStatus?

    public init(
        name: String, desired: Int, replicas: [ReplicaStatus], generation: Int? = nil, rollout: String? = nil
    ) {
        self.name = name
        self.desired = desired
        self.replicas = replicas
        self.generation = generation
        self.rollout = rollout
    }
}

/// The states a replica can be in, as shown to users. Stable strings: scripts match on them.
public enum ReplicaStateName: String, Codable, Sendable, CaseIterable {
    case starting, running, draining, stopping, backoff, failed, stopped, completed
}

/// One replica of a service.
public struct ReplicaStatus: Codable, Sendable, Equatable {
    public var index: Int
    public var pid: Int32?
    public var port: Int?
    public var state: ReplicaStateName
    public var ready: Bool
    public var restarts: Int
    /// Seconds since the current process started; nil when no process runs.
    public var uptimeSeconds: Double?
    /// The last exit, e.g. "exited with status 1" or "killed by SIGKILL"; nil before the first exit.
    public var lastExit: String?
    /// Why the replica is `failed` or `backoff` (give-up reason, exec failure, liveness failures, ...).
    public var reason: String?
    /// The last few stderr lines of the replica, newest last (for failure reports).
    public var lastStderr: [String]?
    /// Gateway requests in flight on this replica now (routed services only).
    public var inFlight: Int?
    /// Gateway requests per second to this replica over the last 10 seconds (routed services only).
    public var requestRate: Double?
    /// Seconds left of the gateway's cool-down for a replica it took out of rotation after consecutive failed
    /// requests (passive health); nil when the replica is in rotation.
    public var ejectedSeconds: Double?
    /// The spec generation this replica's process runs (see `ServiceStatus.generation`).
    public var generation: Int?
    /// The process slot, unique within the service: during a rollout the old and the new process of one index
    /// are listed side by side with different slots.
    public var slot: Int?
    /// true when the replica was stopped on its own (`berth stop SERVICE.N`): it stays stopped, whatever its restart
    /// policy, until `berth start SERVICE.N` or `berth start SERVICE`.
    public var held: Bool?
    /// CPU over the last second, in percent of one core (summed over the replica's processes); nil before the
    /// second sample and when no process runs. Usage fields come from berthd's once-a-second sample of /proc.
    public var cpuPercent: Double?
    /// Resident memory of the replica's processes, in bytes.
    public var memoryBytes: Int?
    /// Open file descriptors of the replica's processes.
    public var openFiles: Int?
    public var threads: Int?
    /// Processes in the replica's process group (or its cgroup).
    public var processes: Int?
    /// `limits.memory` in bytes, when set.
    public var memoryLimitBytes: Int?
    /// `limits.cpu` in cores, when set.
    public var cpuLimit: Double?
    /// The status code of the last exit of a process that exited on its own (nil when killed by a signal or
    /// before the first exit): what `berth up --exit-code-from JOB` returns.
    public var exitCode: Int?

    public init(
        index: Int, pid: Int32?, port: Int?, state: ReplicaStateName, ready: Bool, restarts: Int,
        uptimeSeconds: Double?, lastExit: String? = nil, reason: String? = nil, lastStderr: [String]? = nil
    ) {
        self.index = index
        self.pid = pid
        self.port = port
        self.state = state
        self.ready = ready
        self.restarts = restarts
        self.uptimeSeconds = uptimeSeconds
        self.lastExit = lastExit
        self.reason = reason
        self.lastStderr = lastStderr
    }

    enum CodingKeys: String, CodingKey {
        case index, pid, port, state, ready, restarts, reason
        case uptimeSeconds = "uptime_s"
        case lastExit = "last_exit"
        case lastStderr = "last_stderr"
        case inFlight = "in_flight"
        case requestRate = "request_rate"
        case ejectedSeconds = "ejected_s"
        case generation, slot, held
        case cpuPercent = "cpu_percent"
        case memoryBytes = "memory_bytes"
        case openFiles = "open_files"
        case threads, processes
        case memoryLimitBytes = "memory_limit_bytes"
        case cpuLimit = "cpu_limit"
        case exitCode = "exit_code"
    }
}
