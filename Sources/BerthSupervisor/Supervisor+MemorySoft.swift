import BerthControlProtocol
import BerthManifest
import BerthResources
import BerthSupervisorCore

extension Supervisor {
    /// Replaces the running replicas that stayed above their `memory_soft` (see `MemorySoftWatch`): a rolling
    /// restart of that one replica, so a fresh one starts beside it and the old one is drained, then stopped.
    func replaceReplicasAboveMemorySoft(_ sample: [String: ReplicaUsage]) {
        memorySoft.keep(only: Set(sample.keys))
        let now = clock.now
        for (name, runtime) in services.sorted(by: { $0.key < $1.key }) {
            guard let soft = runtime.spec.limits.memorySoftBytes else { continue }
            for slot in runtime.slots where slot.machine.process != nil {
                let key = Self.usageKey(service: name, slot: slot.id)
                guard let bytes = sample[key]?.residentBytes else { continue }
                // A replica being replaced already (a rollout) is not judged again.
                guard services[name]?.rollout == nil else { continue }
                let verdict = memorySoft.observe(service: name, replica: key, residentBytes: bytes, soft: soft, at: now)
                let above = "uses \(ByteSizeText.approximate(bytes)), above memory_soft \(ByteSizeText.format(soft))"
                switch verdict {
                case .fine, .above:
                    continue
                case .rateLimited:
                    if memorySoft.shouldSayRateLimited(service: name, at: now) {
                        announceMemorySoft(
                            name, index: slot.index,
                            "\(above); not replaced: \(name) had a "
                                + "replacement less than \(DurationFormat.short(memorySoft.interval)) ago")
                    }
                case .replace:
                    announceMemorySoft(
                        name, index: slot.index,
                        "\(above) for \(memorySoft.samplesAbove) s: "
                            + "starting a replacement, then draining and stopping it")
                    do {
                        try beginRollout(name, to: runtime.spec, indexes: [slot.index])
                    } catch {
                        logEvent(
                            "memory_soft", service: name, replica: slot.index,
                            message: "replacement not started: \(error)", level: .warning)
                    }
                }
            }
        }
    }

    private func announceMemorySoft(_ service: String, index: Int, _ message: String) {
        logEvent("memory_soft", service: service, replica: index, message: message, level: .warning)
        logs.append(LogEntry(service: service, replica: index, stream: .daemon, time: wallClockNow(), line: message))
        events.publish(
            DaemonEvent(
                time: wallClockNow(), kind: .replica, service: service, replica: index,
                message: message))
    }
}
