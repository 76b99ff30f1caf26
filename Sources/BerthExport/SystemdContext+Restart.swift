import BerthManifest
import Foundation

extension SystemdContext {
    /// `Restart=`, `RestartSec=` from the initial backoff and, from systemd 254, the exponential steps up to the
    /// maximum: systemd grows the delay geometrically over `RestartSteps=` restarts, so the step count is how many
    /// multiplications reach the maximum.
    mutating func restartLines(_ service: ServiceSpec) -> [String] {
        let restart = service.restart
        switch restart.policy {
        case .never:
            return ["Restart=no"]
        case .always, .onFailure:
            break
        }
        var lines = [
            "Restart=" + (restart.policy == .always ? "always" : "on-failure"),
            "RestartSec=" + UnitText.timeSpan(restart.backoff.initial),
        ]
        // From an initial delay of 0 Berth's backoff never grows (0 × multiplier), and the step count would divide
        // by it: `--systemd-version 254` with `initial: 0s` crashed the export (audit4).
        let grows =
            restart.backoff.initial > .zero && restart.backoff.max > restart.backoff.initial
            && restart.backoff.multiplier > 1
        if grows, options.systemdVersion >= SystemdExportOptions.restartStepsVersion {
            lines.append("RestartSteps=\(Self.restartSteps(restart.backoff))")
            lines.append("RestartMaxDelaySec=" + UnitText.timeSpan(restart.backoff.max))
        } else if grows, service.has("restart.backoff") {
            diagnostics.warning(
                "systemd \(options.systemdVersion) restarts at a fixed delay: the backoff of service "
                    + "'\(service.name)' is exported as RestartSec=\(UnitText.timeSpan(restart.backoff.initial)) "
                    + "(use --systemd-version \(SystemdExportOptions.restartStepsVersion) or later for RestartSteps=)",
                at: service.location(of: "restart.backoff"))
        }
        return lines
    }

    /// ceil(log(max / initial) / log(multiplier)), at least 1.
    static func restartSteps(_ backoff: BackoffSpec) -> Int {
        let ratio = seconds(backoff.max) / seconds(backoff.initial)
        guard ratio > 1, ratio.isFinite, backoff.multiplier > 1 else { return 1 }
        let steps = (log(ratio) / log(backoff.multiplier) - 1e-9).rounded(.up)
        return max(1, Int(steps))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
