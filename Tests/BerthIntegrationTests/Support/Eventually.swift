/// Polls `probe` every `interval` until it returns a value or `timeout` passes; never sleeps past the deadline.
///
/// On timeout the failure names what was awaited and the last error `probe` threw, if any.
func eventually<T>(
    _ what: String,
    timeout: Duration,
    interval: Duration = .milliseconds(75),
    probe: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await probe() { return value }
            lastError = nil
        } catch {
            lastError = error
        }
        let now = clock.now
        if now >= deadline {
            let detail = lastError.map { "; last error: \($0)" } ?? ""
            throw IntegrationFailure("timed out after \(timeout) waiting for \(what)\(detail)")
        }
        try await Task.sleep(for: min(interval, deadline - now))
    }
}
