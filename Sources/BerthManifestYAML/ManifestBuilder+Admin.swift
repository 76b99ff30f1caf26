public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `admin: HOST:PORT` or `admin: { listen: HOST:PORT, token: SECRET }`.
    func adminSpec(_ node: Node, keyNode: Node?) -> AdminSpec? {
        let listenNode: Node?
        var token: String?
        var tokenNode: Node?
        if case .mapping = node {
            guard
                let reader = MappingReader(
                    node, key: "admin", section: ManifestSchema.admin, owner: "'admin'",
                    context: context)
            else { return nil }
            listenNode = reader["listen"]
            tokenNode = reader["token"]
            token = reader.string("token")
            if listenNode == nil {
                context.error("'admin' has no 'listen' address (host:port)", at: node)
            }
        } else {
            listenNode = node
        }
        guard let listenNode, let address = listenAddress(listenNode) else { return nil }
        if let token, context.visible(token, key: "admin.token", at: tokenNode) == nil { return nil }
        if let token, token.isEmpty || token.contains(where: { $0.isWhitespace }) {
            context.error("'admin.token' must be a non-empty string without spaces", at: tokenNode)
            return nil
        }
        if token == nil, !AdminSpec.isLoopback(address.host) {
            context.error(
                "admin listener \(address) is reachable from other machines; set 'token' (admin: { listen: "
                    + "\(address), token: ${ADMIN_TOKEN} }) or listen on 127.0.0.1",
                at: listenNode)
            return nil
        }
        if let token, token.count < 16 {
            context.warning(
                "'admin.token' is short (\(token.count) characters); use at least 16",
                at: context.location(tokenNode))
        }
        return AdminSpec(listen: address, token: token, location: context.location(keyNode))
    }
}
