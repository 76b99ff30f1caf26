public import BerthManifest
import BerthResources
import Yams

extension ManifestBuilder {
    /// `limits: { memory: 512M, memory_soft: 400M, cpu: 0.5, pids: 100, open_files: 1024, core: 0 }`.
    func limitsSpec(_ node: Node, service: String, keyLocations: inout [String: SourceLocation]) -> LimitsSpec {
        var spec = LimitsSpec()
        guard
            let reader = MappingReader(
                node, key: "limits", section: ManifestSchema.limits,
                owner: "'limits' of service '\(service)'", context: context)
        else { return spec }
        keyLocations.merge(reader.keyLocations(prefix: "limits")) { _, new in new }
        if let bytes = size(reader, "memory") {
            if bytes < ManifestSchema.Defaults.minimumMemoryLimit {
                let text = reader["memory"]?.text ?? ""
                context.error(
                    "'memory' must be at least 1M (no program starts in less), got '\(text)'",
                    at: reader["memory"])
            } else {
                spec.memoryBytes = bytes
            }
        }
        if let soft = size(reader, "memory_soft") {
            if soft < ManifestSchema.Defaults.minimumMemoryLimit {
                context.error(
                    "'memory_soft' must be at least 1M, got '\(reader["memory_soft"]?.text ?? "")'",
                    at: reader["memory_soft"])
            } else if let hard = spec.memoryBytes, soft >= hard {
                context.error(
                    "'memory_soft' (\(ByteSizeText.format(soft))) must be below 'memory' "
                        + "(\(ByteSizeText.format(hard))): the replacement has to start before the kernel kills",
                    at: reader["memory_soft"])
            } else {
                spec.memorySoftBytes = soft
            }
        }
        if let value = reader["cpu"] {
            // Bounded above (audit3): `cpu: 1e300` loaded, then trapped berthd (the CFS quota is an Int of
            // microseconds) and `berth export` (CPUQuota=, millicores) on the conversion.
            let most = ManifestSchema.Defaults.maximumCPUCores
            // Decimal only: Double("0x10") is 16 (hex floats), which no reader of `cpu: 0x10` would expect.
            if let text = value.text, text.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }),
                let cores = Double(text), cores.isFinite, cores >= 0.01, cores <= Double(most)
            {
                spec.cpuCores = cores
            } else {
                context.error(
                    "'cpu' must be a number of cores from 0.01 to \(most) (0.5 = half of one core), got "
                        + value.summary, at: value)
            }
        }
        spec.pids = reader.int("pids", minimum: 1)
        if let pids = spec.pids, pids > ManifestSchema.Defaults.maximumPids {
            // The kernel refuses a larger pids.max (EINVAL): the replica would start without its limit (audit3).
            context.error(
                "'pids' must be at most \(ManifestSchema.Defaults.maximumPids) (the kernel's largest process "
                    + "count), got \(pids)", at: reader["pids"])
            spec.pids = nil
        }
        spec.openFiles = reader.int("open_files", minimum: 1)
        spec.coreBytes = size(reader, "core")
        return spec
    }

    private func size(_ reader: MappingReader, _ key: String) -> Int? {
        guard let value = reader[key] else { return nil }
        guard let text = value.text else {
            context.error("'\(key)' must be a size such as 512M, got \(value.summary)", at: value)
            return nil
        }
        switch ByteSizeText.parse(text) {
        case .success(let bytes):
            return bytes
        case .failure(let error):
            context.error("'\(key)': \(error.description)", at: value)
            return nil
        }
    }
}
