extension UpstreamBalancer {
    /// A ready replica not in `excluding` (the replicas this request already failed on), by the policy, among those
    /// not ejected (or whose cool-down passed). When every candidate is ejected, the one whose cool-down ends first
    /// is tried rather than failing the request. Nil when no ready replica is left to try.
    public mutating func pick(excluding: Set<Int> = [], now: ContinuousClock.Instant) -> Replica? {
        let now = Moment(now)
        // Nearly always nothing is excluded and no replica ejected: the rotation itself is the candidate list (no
        // array made per request).
        var candidates =
            excluding.isEmpty && rotation.allSatisfy({ isEligible($0, now: now) })
            ? rotation : rotation.filter { !excluding.contains($0) && isEligible($0, now: now) }
        if candidates.isEmpty {
            let fallback = rotation.filter { !excluding.contains($0) }
                .min { (entries[$0]?.ejectedUntil ?? now) < (entries[$1]?.ejectedUntil ?? now) }
            guard let fallback else { return nil }
            candidates = [fallback]
        }
        let id: Int
        switch policy {
        case .roundRobin:
            id = nextInCycle(candidates)
        case .leastConn:
            let least = candidates.map { inFlight(id: $0) }.min() ?? 0
            id = nextInCycle(candidates.filter { inFlight(id: $0) == least })
        case .p2c:
            if candidates.count == 1 {
                id = candidates[0]
            } else {
                let first = Int.random(in: 0..<candidates.count, using: &random)
                var second = Int.random(in: 0..<(candidates.count - 1), using: &random)
                if second >= first { second += 1 }
                let a = candidates[first]
                let b = candidates[second]
                id = inFlight(id: b) < inFlight(id: a) ? b : a
            }
        }
        lastPicked = id
        return entries[id]?.replica
    }

    /// The first candidate (ascending ids) after the last pick, wrapping around.
    private func nextInCycle(_ candidates: [Int]) -> Int {
        guard let last = lastPicked else { return candidates[0] }
        return candidates.first { $0 > last } ?? candidates[0]
    }
}
