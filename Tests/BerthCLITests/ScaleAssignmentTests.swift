import Testing

@testable import BerthCLI

struct ScaleAssignmentTests {
    @Test func parsesAssignments() throws {
        #expect(try ScaleAssignment.parse("web=3").get() == ScaleAssignment(service: "web", replicas: 3))
        #expect(try ScaleAssignment.parse("worker_2=0").get() == ScaleAssignment(service: "worker_2", replicas: 0))
        #expect(try ScaleAssignment.parse("api=1000").get().replicas == 1000)
    }

    @Test func parsesSeveral() throws {
        #expect(try ScaleAssignment.parseAll(["web=3", "db=1"]).get() == ["web": 3, "db": 1])
    }

    @Test func explainsWhatIsWrong() {
        #expect(message(["web"]) == "'web' is not SERVICE=N (for example web=3)")
        #expect(message(["web=1001"]) == "'web=1001': the replica count must be an integer from 0 to 1000")
        #expect(message(["web=+"]) == "'web=+': the replica count must be an integer from 0 to 1000")
        #expect(message(["web=+3"]) == "'web=+3': the replica count must be an integer from 0 to 1000")
        #expect(message(["web=-0"]) == "'web=-0': the replica count must be an integer from 0 to 1000")
        #expect(message(["=1"]) == "'=1': '' is not a valid service name")
        #expect(message(["web=1", "db=2", "web=3"]) == "service 'web' is named more than once")
        #expect(message([]) == "name at least one SERVICE=N")
    }

    func message(_ arguments: [String]) -> String? {
        guard case .failure(let error) = ScaleAssignment.parseAll(arguments) else { return nil }
        return error.description
    }
}
