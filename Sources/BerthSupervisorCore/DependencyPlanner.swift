/// Orders start-up and shutdown by `depends_on`, as pure functions over what each service has achieved.
///
/// Start-up: a service may start once every dependency has reached its condition (`started`, `ready` or
/// `completed`). Conditions latch: a dependency that was ready once does not hold back its dependants if it later
/// restarts (like compose). Shutdown runs the other way: a service stops once everything depending on it is stopped.
public struct DependencyPlanner: Sendable, Equatable {
    public enum Condition: String, Sendable, Hashable, Comparable {
        case started, ready, completed

        public static func < (lhs: Self, rhs: Self) -> Bool {
            lhs.rank < rhs.rank
        }

        private var rank: Int {
            switch self {
            case .started: 0
            case .ready: 1
            case .completed: 2
            }
        }
    }

    /// service -> (dependency -> condition)
    public let dependencies: [String: [String: Condition]]

    public init(dependencies: [String: [String: Condition]]) {
        self.dependencies = dependencies
    }

    /// Whether `service`'s dependencies have all reached their conditions.
    public func canStart(_ service: String, achieved: [String: Set<Condition>]) -> Bool {
        unmet(service, achieved: achieved).isEmpty
    }

    /// The dependencies of `service` that have not reached their condition, sorted by name.
    public func unmet(
        _ service: String, achieved: [String: Set<Condition>]
    ) -> [(service: String, condition: Condition)] {
        (dependencies[service] ?? [:])
            .filter { dependency, condition in !(achieved[dependency] ?? []).contains(condition) }
            .sorted { $0.key < $1.key }
            .map { (service: $0.key, condition: $0.value) }
    }

    /// The services among `running` that may be stopped now: nothing still running depends on them.
    public func stoppable(running: Set<String>) -> [String] {
        running.filter { candidate in
            !running.contains { other in other != candidate && dependencies[other]?[candidate] != nil }
        }.sorted()
    }

    /// Everything that depends on `service`, directly or not.
    public func dependants(of service: String) -> Set<String> {
        var result: Set<String> = []
        var frontier = [service]
        while let current = frontier.popLast() {
            for (name, deps) in dependencies where deps[current] != nil && !result.contains(name) {
                result.insert(name)
                frontier.append(name)
            }
        }
        return result
    }
}
