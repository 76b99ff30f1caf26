import BerthManifest

/// What a replica told Berth over sd_notify, and how `ready: { notify: true }` and `health: { watchdog: ... }`
/// answer from it: a notify message is just another source of probe results. Pure.
struct NotifyChecks: Sendable, Equatable {
    /// The incarnation that sent `READY=1`.
    var readyIncarnation: Int?
    /// The last `WATCHDOG=1`, with the incarnation that sent it.
    var lastPing: (incarnation: Int, at: ContinuousClock.Instant)?
    /// The last `STATUS=` text.
    var status: String?

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.readyIncarnation == rhs.readyIncarnation && lhs.status == rhs.status
            && lhs.lastPing?.incarnation == rhs.lastPing?.incarnation && lhs.lastPing?.at == rhs.lastPing?.at
    }

    /// The probe result of a notify-based check for `incarnation` (started at `startedAt`); nil for other checks.
    func evaluate(
        _ check: ProbeSpec.Check, incarnation: Int, startedAt: ContinuousClock.Instant, now: ContinuousClock.Instant
    ) -> (success: Bool, detail: String)? {
        switch check {
        case .notify:
            return readyIncarnation == incarnation ? (true, "") : (false, "no READY=1 from sd_notify yet")
        case .watchdog(let limit):
            let since = lastPing.flatMap { $0.incarnation == incarnation ? $0.at : nil } ?? startedAt
            let silent = now - since
            if silent <= limit { return (true, "") }
            let seconds = (silent / .milliseconds(1)).rounded() / 1000
            return (false, "no WATCHDOG=1 from sd_notify for \(seconds) s (watchdog \(limit))")
        case .http, .tcp, .exec, .grpc:
            return nil
        }
    }
}

extension ProbeSpec.Check {
    /// Answered from what the replica sent over sd_notify, not by probing it.
    var isAnsweredFromNotify: Bool {
        if case .notify = self { return true }
        if case .watchdog = self { return true }
        return false
    }
}
