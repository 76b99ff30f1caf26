import BerthControlProtocol

/// One `SERVICE=N` argument of `berth scale`.
struct ScaleAssignment: Equatable {
    static let maximumReplicas = ControlCommand.maximumReplicas

    var service: String
    var replicas: Int

    /// Parses "web=3"; the message says what is wrong otherwise.
    static func parse(_ text: String) -> Result<Self, ScaleArgumentError> {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(.init("'\(text)' is not SERVICE=N (for example web=3)")) }
        let service = String(parts[0])
        guard ServiceName.isValid(service) else {
            return .failure(.init("'\(text)': '\(service)' is not a valid service name"))
        }
        // Digits only: `web=+3` or `web=-1` reads like a change by that much, which `scale` does not do.
        guard parts[1].isASCIIDigits, parts[1].utf8.count <= 4, let replicas = Int(parts[1]),
            (0...maximumReplicas).contains(replicas)
        else {
            return .failure(.init("'\(text)': the replica count must be an integer from 0 to \(maximumReplicas)"))
        }
        return .success(Self(service: service, replicas: replicas))
    }

    /// Parses every argument and rejects a service named twice.
    static func parseAll(_ arguments: [String]) -> Result<[String: Int], ScaleArgumentError> {
        guard !arguments.isEmpty else { return .failure(.init("name at least one SERVICE=N")) }
        var services: [String: Int] = [:]
        for argument in arguments {
            switch parse(argument) {
            case .failure(let error):
                return .failure(error)
            case .success(let assignment):
                guard services[assignment.service] == nil else {
                    return .failure(.init("service '\(assignment.service)' is named more than once"))
                }
                services[assignment.service] = assignment.replicas
            }
        }
        return .success(services)
    }
}

/// Why a `berth scale` argument was rejected.
struct ScaleArgumentError: Error, Equatable, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
