/// What a service waits for in one of its dependencies before it is started.
public enum DependencyCondition: String, Sendable, Codable, CaseIterable {
    /// The dependency's processes have been spawned.
    case started
    /// The dependency passed its readiness probe (or is running, without one).
    case ready
    /// The dependency exited successfully (a one-shot job such as a migration).
    case completed
}
