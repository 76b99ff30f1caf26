import BerthManifest

extension BerthCommand.Up {
    /// `--watch` needs a service that declares `watch:` among those this `up` starts.
    func checkWatch(_ manifest: Manifest, selection: ServiceSelection) throws(CLIFailure) {
        let watched = selection.services.filter { manifest.services[$0]?.watch != nil }
        guard watched.isEmpty else { return }
        throw CLIFailure(
            .usage,
            "--watch: no service started by this berth up declares watch: (e.g. watch: { paths: [src] } beside "
                + "its build:)")
    }
}
