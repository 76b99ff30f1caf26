extension LogTarget {
    /// The first target naming a service that neither the manifest nor the running daemon knows and that left no
    /// line in the logs read: `berth logs typo` printed nothing and exited 0, and `berth logs -f typo` waited
    /// forever. A service removed by a reload still has its lines, so it stays readable. Nil when the known
    /// services could not be read (then nothing is refused).
    static func unknownService(_ targets: [LogTarget], known: Set<String>?, logged: Set<String>) -> String? {
        guard let known else { return nil }
        return targets.first { !known.contains($0.service) && !logged.contains($0.service) }?.service
    }
}
