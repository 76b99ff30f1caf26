public import BerthResources

extension Manifest {
    /// A warning for each limit this machine will not enforce, and why, at the limit's position: `berth check`,
    /// `berth up` and berthd say it, so that an unenforced limit is never a silent no-op.
    public func limitWarnings(_ support: CgroupSupport) -> [Diagnostic] {
        services.keys.sorted().flatMap { name in
            let spec = services[name]!
            return support.unenforced(spec.limits).map { key, reason in
                Diagnostic(
                    severity: .warning,
                    message: "limits.\(key) of service '\(name)' is not enforced on this machine: \(reason)",
                    location: spec.keyLocations["limits.\(key)"] ?? spec.location, file: file)
            }
        }
    }
}
