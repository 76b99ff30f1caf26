/// The choices of a Kubernetes export that the manifest does not make: where objects go and how routes are exposed.
public struct KubernetesExportOptions: Sendable, Equatable {
    /// Written as `metadata.namespace` of every object; nil leaves it to `kubectl apply -n`.
    public var namespace: String?
    /// With a name, routes become Gateway API `HTTPRoute`s attached to that Gateway; without, one `Ingress`.
    public var gatewayName: String?
    /// `BERTH_GATEWAY_URL` of every pod; nil means `http://PROJECT-gateway` (see docs/export.md).
    public var gatewayURL: String?

    public init(namespace: String? = nil, gatewayName: String? = nil, gatewayURL: String? = nil) {
        self.namespace = namespace
        self.gatewayName = gatewayName
        self.gatewayURL = gatewayURL
    }
}
