import Testing

@testable import BerthSupervisorCore

@Suite("DependencyPlanner")
struct DependencyPlannerTests {
    /// web -> api (ready), db (started); api -> db (ready); worker -> migrate (completed); migrate -> db (ready).
    let planner = DependencyPlanner(dependencies: [
        "web": ["api": .ready, "db": .started],
        "api": ["db": .ready],
        "worker": ["migrate": .completed],
        "migrate": ["db": .ready],
        "db": [:],
    ])

    func unmet(_ service: String, _ achieved: [String: Set<DependencyPlanner.Condition>]) -> [String] {
        planner.unmet(service, achieved: achieved).map { "\($0.service):\($0.condition.rawValue)" }
    }

    @Test func aServiceWithoutDependenciesCanAlwaysStart() {
        #expect(planner.canStart("db", achieved: [:]))
        #expect(planner.canStart("not-in-the-manifest", achieved: [:]))
        #expect(unmet("db", [:]) == [])
    }

    @Test func unmetListsMissingConditionsSortedByName() {
        #expect(unmet("web", [:]) == ["api:ready", "db:started"])
        #expect(!planner.canStart("web", achieved: [:]))
        #expect(unmet("web", ["db": [.started]]) == ["api:ready"])
        #expect(unmet("web", ["db": [.started, .ready], "api": [.started]]) == ["api:ready"])
        #expect(unmet("web", ["db": [.started, .ready], "api": [.started, .ready]]) == [])
        #expect(planner.canStart("web", achieved: ["db": [.started], "api": [.started, .ready]]))
    }

    @Test func completedIsRequiredForOneShotDependencies() {
        #expect(unmet("worker", ["migrate": [.started, .ready]]) == ["migrate:completed"])
        #expect(planner.canStart("worker", achieved: ["migrate": [.started, .ready, .completed]]))
    }

    @Test func conditionsAreOrderedStartedReadyCompleted() {
        typealias Condition = DependencyPlanner.Condition
        #expect(Condition.started < .ready)
        #expect(Condition.ready < .completed)
        #expect(!(Condition.completed < .started))
        #expect([Condition.completed, .started, .ready].sorted() == [.started, .ready, .completed])
    }

    @Test func stoppableStopsDependantsFirst() {
        #expect(planner.stoppable(running: ["web", "api", "db", "worker", "migrate"]) == ["web", "worker"])
        #expect(planner.stoppable(running: ["api", "db", "migrate"]) == ["api", "migrate"])
        #expect(planner.stoppable(running: ["db"]) == ["db"])
        #expect(planner.stoppable(running: []) == [])
        // A dependant that is not running does not hold its dependency.
        #expect(planner.stoppable(running: ["web", "db"]) == ["web"])
        #expect(planner.stoppable(running: ["worker", "db"]) == ["db", "worker"])
    }

    @Test func dependantsAreTransitive() {
        #expect(planner.dependants(of: "db") == ["web", "api", "migrate", "worker"])
        #expect(planner.dependants(of: "api") == ["web"])
        #expect(planner.dependants(of: "migrate") == ["worker"])
        #expect(planner.dependants(of: "web") == [])
        #expect(planner.dependants(of: "unknown") == [])
    }
}
