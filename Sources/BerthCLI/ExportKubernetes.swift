import ArgumentParser
import BerthExport
import Foundation

extension BerthCommand {
    /// `berth export kubernetes`: Deployments, Services, Jobs and an Ingress (or HTTPRoutes) for the project.
    struct ExportKubernetes: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kubernetes",
            abstract: "Write Kubernetes objects for the project (see docs/export.md)."
        )

        @Option(name: [.customShort("f"), .customLong("file")], help: fileHelp)
        var explicitFile: String?

        var file: String { ManifestPath.resolve(explicitFile, environment: ProcessInfo.processInfo.environment) }

        @Option(name: [.customShort("o"), .long], help: "Folder for the YAML files, or - for one stream on stdout.")
        var output: String = "-"

        @Flag(help: "Export routes as Gateway API HTTPRoutes instead of an Ingress.")
        var gatewayApi = false

        @Option(help: "The Gateway the HTTPRoutes attach to (with --gateway-api).")
        var gatewayName: String?

        @Option(help: "metadata.namespace of every object.")
        var namespace: String?

        @Option(help: "BERTH_GATEWAY_URL of every pod (default http://PROJECT-gateway).")
        var gatewayUrl: String?

        @Flag(help: "Write even into a folder another user can change (before kubectl apply reads what it holds).")
        var allowSharedOutput = false

        func validate() throws {
            if gatewayApi, gatewayName == nil {
                throw ValidationError("--gateway-api needs --gateway-name NAME (the Gateway the routes attach to)")
            }
            if !gatewayApi, gatewayName != nil {
                throw ValidationError("--gateway-name is used only with --gateway-api")
            }
        }

        func run() throws {
            let manifest = try ExportOutput.loadManifest(file)
            let options = KubernetesExportOptions(
                namespace: namespace, gatewayName: gatewayApi ? gatewayName : nil, gatewayURL: gatewayUrl)
            let result = KubernetesExporter.export(manifest, options: options)
            try ExportOutput.finish(
                result, file: file, output: output, stream: true,
                folderCheck: allowSharedOutput ? .warn : .refuse,
                risk: "another user could change the objects before they are applied to the cluster")
        }
    }
}
