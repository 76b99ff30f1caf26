/// Why the control API server could not start.
public struct ControlServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }

    static func alreadyServing(_ socket: String) -> Self {
        Self("another berthd is already serving \(socket)")
    }
}
