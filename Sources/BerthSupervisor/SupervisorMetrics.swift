import BerthSupervisorCore
public import CoreMetrics

/// The supervisor's figures for `/metrics`: replicas by state, restarts, exits by cause, probe results and durations.
///
/// Written through swift-metrics so that the daemon picks the backend (Prometheus, see `BerthAdmin`) and tests can
/// pass a recording one. Supervisor events are rare (a few per second at most), so looking a metric up by name
/// and labels on every event costs nothing worth caching.
public struct SupervisorMetrics: Sendable {
    /// Why a replica's process ended, as the `cause` label of `berth_exits_total`.
    public enum ExitCause: String, Sendable, CaseIterable {
        /// Berth stopped it (stop, scale-down, restart, down, failed liveness check).
        case stopped
        /// It exited with status 0 on its own.
        case success
        /// It exited with a non-zero status on its own.
        case failure
        /// A signal Berth did not send ended it (a crash, `kill -9`, an OOM kill outside its own memory limit).
        case signal
        /// Its program could not be executed.
        case execFailed = "exec_failed"
        /// The kernel's OOM killer ended it (or one of its processes) at its `limits.memory`.
        case oom
    }

    let factory: any MetricsFactory
    /// The usage series of each replica, made once: they are written every second for every replica.
    let usageSeries = UsageSeriesCache()
    /// The probe series of each service and kind, made once: 2,000 probes a second at 1,000 replicas.
    let probeSeries = ProbeSeriesCache()

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Sets every state's gauge of `service`, zeros included, so that a state a service left reads 0.
    func replicaStates(service: String, slots: [ReplicaSlot]) {
        var counts: [ReplicaMachine.DisplayState: Int] = [:]
        var ready = 0
        for slot in slots {
            counts[slot.machine.displayState, default: 0] += 1
            if slot.machine.isReady { ready += 1 }
        }
        for state in ReplicaMachine.DisplayState.allCases {
            Gauge(
                label: "berth_replicas", dimensions: [("service", service), ("state", state.rawValue)], factory: factory
            )
            .record(counts[state] ?? 0)
        }
        Gauge(label: "berth_replicas_ready", dimensions: [("service", service)], factory: factory).record(ready)
    }

    /// A service left the manifest (`berth reload`): its state gauges leave `/metrics` (audit5: they stayed with the
    /// counts it had when it went). Its counters stay: they are its history.
    func serviceRemoved(_ service: String) {
        for state in ReplicaMachine.DisplayState.allCases {
            Gauge(
                label: "berth_replicas", dimensions: [("service", service), ("state", state.rawValue)], factory: factory
            ).destroy()
        }
        Gauge(label: "berth_replicas_ready", dimensions: [("service", service)], factory: factory).destroy()
    }

    func restarted(service: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "berth_restarts_total", dimensions: [("service", service)], factory: factory)
            .increment(by: count)
    }

    func exited(service: String, cause: ExitCause) {
        Counter(
            label: "berth_exits_total", dimensions: [("service", service), ("cause", cause.rawValue)],
            factory: factory
        ).increment()
    }

    func probed(service: String, kind: ProbeKind, success: Bool, duration: Duration) {
        let series = probeSeries.series(service: service, kind: kind, factory: factory)
        (success ? series.successes : series.failures).increment()
        series.duration.recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), as swift-metrics' timers take them.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : scaled &+ attoseconds / 1_000_000_000
    }
}
