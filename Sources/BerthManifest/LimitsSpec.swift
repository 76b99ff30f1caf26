public import BerthResources

/// A service's `limits:` key: what each replica may use, enforced by the kernel (a cgroup per replica and rlimits;
/// see docs/resources.md). The values are `ResourceLimits`, shared with the daemon's cgroup drivers.
public typealias LimitsSpec = ResourceLimits
