/// When journald goes away (stopped, restarted, its socket removed), where the next line goes: a pure state
/// machine, so that the journal-with-files-behind-it driver never drops a line and reports both switches.
///
/// While the primary driver (journald) works every line goes to it. The first line it refuses switches to the
/// fallback (files) and names a `log_fallback` event; from then on lines go to the fallback, and every
/// `retryInterval` one attempt goes to the primary again, carrying the `log_recovered` event that says how long the
/// gap lasted and how many lines are in the files. Only when that event is stored does the primary take lines again.
public struct LogFallback: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        case primary
        /// Lines go to the fallback since `since`; `lines` of them so far; the primary is tried again at `nextTry`.
        case fallback(since: ContinuousClock.Instant, lines: Int, nextTry: ContinuousClock.Instant)
    }

    /// Where to send the line at hand.
    public enum Route: Sendable, Equatable {
        /// To the primary.
        case primary
        /// To the fallback.
        case fallback
        /// First the recovery event to the primary (gap of `lines` lines since `since`); if it is stored, the line
        /// follows it to the primary (`primaryRecovered`), else to the fallback (`primaryFailed`).
        case tryPrimary(since: ContinuousClock.Instant, lines: Int)
    }

    public private(set) var mode: Mode = .primary
    public let retryInterval: Duration

    public init(retryInterval: Duration = .seconds(1)) {
        self.retryInterval = retryInterval
    }

    /// Decides where the next line goes at `now`.
    public func route(now: ContinuousClock.Instant) -> Route {
        switch mode {
        case .primary:
            return .primary
        case .fallback(let since, let lines, let nextTry):
            return now >= nextTry ? .tryPrimary(since: since, lines: lines) : .fallback
        }
    }

    /// The primary refused a line (or the recovery event). Returns true when this starts a gap: the caller then
    /// stores a `log_fallback` event in the fallback.
    public mutating func primaryFailed(now: ContinuousClock.Instant) -> Bool {
        switch mode {
        case .primary:
            mode = .fallback(since: now, lines: 0, nextTry: now + retryInterval)
            return true
        case .fallback(let since, let lines, _):
            mode = .fallback(since: since, lines: lines, nextTry: now + retryInterval)
            return false
        }
    }

    /// A line went to the fallback.
    public mutating func wroteToFallback() {
        switch mode {
        case .primary:
            break
        case .fallback(let since, let lines, let nextTry):
            mode = .fallback(since: since, lines: lines + 1, nextTry: nextTry)
        }
    }

    /// The recovery event was stored by the primary: lines go there again.
    public mutating func primaryRecovered() {
        mode = .primary
    }
}
