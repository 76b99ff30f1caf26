import BerthResources
import CoreMetrics
import Synchronization

extension SupervisorMetrics {
    /// One replica's usage sample: CPU seconds as a counter, the rest as gauges (Prometheus `process_*` style).
    func replicaUsage(service: String, replica: Int, usage: ReplicaUsage, cpuSecondsAdded: Double) {
        let series = usageSeries.series(service: service, replica: replica, factory: factory)
        if cpuSecondsAdded > 0 { series.cpuSeconds.increment(by: cpuSecondsAdded) }
        series.residentMemory.record(usage.residentBytes)
        series.openFiles.record(usage.openFiles)
        series.threads.record(usage.threads)
        series.processes.record(usage.processes)
    }
}

/// The five usage series of one replica.
struct UsageSeries: Sendable {
    var cpuSeconds: FloatingPointCounter
    var residentMemory: Gauge
    var openFiles: Gauge
    var threads: Gauge
    var processes: Gauge
}

/// Usage series by service and replica, made at the first sample: looking them up in the backend by label on every
/// sample cost more than the sample itself with a thousand replicas.
final class UsageSeriesCache: Sendable {
    private let series = Mutex<[String: UsageSeries]>([:])

    func series(service: String, replica: Int, factory: any MetricsFactory) -> UsageSeries {
        series.withLock { cache in
            let key = "\(service)/\(replica)"
            if let found = cache[key] { return found }
            let labels = [("service", service), ("replica", String(replica))]
            let made = UsageSeries(
                cpuSeconds: FloatingPointCounter(
                    label: "berth_replica_cpu_seconds_total", dimensions: labels,
                    factory: factory),
                residentMemory: Gauge(
                    label: "berth_replica_resident_memory_bytes", dimensions: labels,
                    factory: factory),
                openFiles: Gauge(label: "berth_replica_open_fds", dimensions: labels, factory: factory),
                threads: Gauge(label: "berth_replica_threads", dimensions: labels, factory: factory),
                processes: Gauge(label: "berth_replica_processes", dimensions: labels, factory: factory))
            cache[key] = made
            return made
        }
    }
}
