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

    /// A replica's usage series are labelled by service and index.
    struct ReplicaKey: Hashable, Sendable {
        var service: String
        var replica: Int
    }

    /// Sets the gauges of these replicas' series to 0 (the CPU counter keeps its total); makes no series.
    func zeroReplicaUsage(_ replicas: Set<ReplicaKey>) {
        for series in usageSeries.existing(replicas) {
            series.residentMemory.record(0)
            series.openFiles.record(0)
            series.threads.record(0)
            series.processes.record(0)
        }
    }

    /// Removes the usage series of every replica not in `live` from the backend (`/metrics` stops listing them).
    func dropReplicaUsage(except live: Set<ReplicaKey>) {
        for series in usageSeries.remove(except: live) {
            series.cpuSeconds.destroy()
            series.residentMemory.destroy()
            series.openFiles.destroy()
            series.threads.destroy()
            series.processes.destroy()
        }
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
    private let series = Mutex<[SupervisorMetrics.ReplicaKey: UsageSeries]>([:])

    func series(service: String, replica: Int, factory: any MetricsFactory) -> UsageSeries {
        series.withLock { cache in
            let key = SupervisorMetrics.ReplicaKey(service: service, replica: replica)
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

    /// The series these replicas have (none is made).
    func existing(_ replicas: Set<SupervisorMetrics.ReplicaKey>) -> [UsageSeries] {
        series.withLock { cache in replicas.compactMap { cache[$0] } }
    }

    /// Forgets the series of every replica not in `live` and returns them, to destroy.
    func remove(except live: Set<SupervisorMetrics.ReplicaKey>) -> [UsageSeries] {
        series.withLock { cache in
            let gone = cache.keys.filter { !live.contains($0) }
            return gone.compactMap { cache.removeValue(forKey: $0) }
        }
    }
}
