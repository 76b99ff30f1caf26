extension Manifest {
    /// The distinct build steps, each once with the services that share it (same command and workdir), in the
    /// start order of the first service that needs it.
    public var buildSteps: [BuildStep] {
        var steps: [BuildStep] = []
        var index: [BuildIdentity: Int] = [:]
        for name in startOrder {
            guard let spec = services[name]?.build else { continue }
            if let position = index[spec.identity] {
                steps[position].services.append(name)
                steps[position].spec.inputs += spec.inputs.filter { !steps[position].spec.inputs.contains($0) }
            } else {
                index[spec.identity] = steps.count
                steps.append(BuildStep(spec: spec, services: [name]))
            }
        }
        return steps
    }
}
