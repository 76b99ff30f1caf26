import BerthManifest
import BerthResources
import Glibc
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Daemon {
    /// What this machine offers for `limits:`; every limit it cannot enforce is logged as a warning at start.
    /// `BERTH_NO_CGROUPS=1` makes no cgroups at all (the limits that need one are then reported).
    static func cgroupSupport(_ manifest: Manifest, logger: Logger) -> CgroupSupport? {
        let support = CgroupSupport.current(environment: ProcessInfo.processInfo.environment)
        for warning in manifest.limitWarnings(support) {
            logger.warning("\(warning.message)", metadata: ["event": "limits_not_enforced"])
        }
        return support.disabled ? nil : support
    }
}
