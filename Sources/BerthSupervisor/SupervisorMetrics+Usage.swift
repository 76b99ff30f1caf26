import BerthResources
import CoreMetrics

extension SupervisorMetrics {
    /// One replica's usage sample: CPU seconds as a counter, the rest as gauges (Prometheus `process_*` style).
    func replicaUsage(service: String, replica: Int, usage: ReplicaUsage, cpuSecondsAdded: Double) {
        let labels = [("service", service), ("replica", String(replica))]
        if cpuSecondsAdded > 0 {
            FloatingPointCounter(label: "berth_replica_cpu_seconds_total", dimensions: labels, factory: factory)
                .increment(by: cpuSecondsAdded)
        }
        Gauge(label: "berth_replica_resident_memory_bytes", dimensions: labels, factory: factory)
            .record(usage.residentBytes)
        Gauge(label: "berth_replica_open_fds", dimensions: labels, factory: factory).record(usage.openFiles)
        Gauge(label: "berth_replica_threads", dimensions: labels, factory: factory).record(usage.threads)
        Gauge(label: "berth_replica_processes", dimensions: labels, factory: factory).record(usage.processes)
    }
}
