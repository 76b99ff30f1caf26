public import BerthManifest

/// Turns a manifest into Kubernetes objects: a Deployment and a Service per long-running service, a Job per
/// one-shot service, and the gateway's routes as an Ingress or Gateway API HTTPRoutes. Pure: no I/O.
///
/// Files are `SERVICE.yaml` (one or two documents) and `ingress.yaml` or `httproutes.yaml`.
public enum KubernetesExporter {
    public static func export(_ manifest: Manifest, options: KubernetesExportOptions = .init()) -> ExportResult {
        var context = KubernetesContext(manifest: manifest, options: options)
        var files: [(name: String, contents: String)] = []
        var seen: [String: String] = [:]
        for name in manifest.services.keys.sorted() {
            let service = manifest.services[name]!
            let objectName = KubernetesNames.objectName(name)
            if let other = seen[objectName] {
                context.diagnostics.error(
                    "services '\(other)' and '\(name)' both become the Kubernetes name "
                        + "'\(objectName)'; rename one", at: service.location)
                continue
            }
            seen[objectName] = name
            let documents = context.objects(for: service)
            guard !documents.isEmpty else { continue }
            files.append((objectName + ".yaml", stream(documents)))
        }
        if let gateway = manifest.gateway, !gateway.routes.isEmpty {
            if let gatewayName = options.gatewayName {
                files.append(("httproutes.yaml", stream(context.httpRoutes(gateway, gatewayName: gatewayName))))
            } else {
                files.append(("ingress.yaml", stream([context.ingress(gateway)])))
            }
        }
        return context.diagnostics.result(files: files)
    }

    /// Several documents as one YAML stream.
    static func stream(_ documents: [YAMLNode]) -> String {
        documents.map { "---\n" + $0.document }.joined()
    }
}

/// The state of one Kubernetes export: the manifest, the options and the diagnostics found so far.
struct KubernetesContext {
    let manifest: Manifest
    let options: KubernetesExportOptions
    var diagnostics: ExportDiagnostics

    init(manifest: Manifest, options: KubernetesExportOptions) {
        self.manifest = manifest
        self.options = options
        self.diagnostics = ExportDiagnostics(file: manifest.file)
    }

    var project: String { manifest.project }

    /// The value of `BERTH_GATEWAY_URL`, when the manifest has a gateway.
    var gatewayURL: String? {
        guard manifest.gateway != nil else { return nil }
        return options.gatewayURL ?? "http://\(KubernetesNames.objectName(project))-gateway"
    }

    func metadata(name: String, labels: [String: YAMLNode]) -> YAMLNode {
        var metadata: [String: YAMLNode] = ["name": .string(name), "labels": .mapping(labels)]
        if let namespace = options.namespace {
            metadata["namespace"] = .string(namespace)
        }
        return .mapping(metadata)
    }
}
