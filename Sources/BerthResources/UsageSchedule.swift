/// How long the sampler waits before its next pass: the base interval (a second), stretched so that the pass never
/// takes more than `budget` of one core (0.8 %: with recording the sample, sampling stays under 1 %), whatever the
/// number of replicas and the machine.
///
/// A pass costs about 25 µs of CPU per process (mostly the kernel making `/proc/PID/stat`): with a thousand replicas
/// that is 2.5 % of a core at one pass a second, so the pass is then about every 3 s (the figures are still exact: CPU %
/// is over the time since the previous pass).
public enum UsageSchedule {
    public static func interval(base: Duration, passCost: Duration, budget: Double = 0.008) -> Duration {
        guard budget > 0 else { return base }
        return max(base, passCost * (1 / budget))
    }
}
