import BerthGatewayCore
public import BerthManifest
import Foundation
import Yams

/// A gateway with the positions the cross-reference checks point at.
struct GatewayDraft {
    var spec: GatewaySpec
    /// Parallel to `spec.listen`.
    var listenLocations: [SourceLocation?]
    /// Parallel to `spec.routes`: positions of each route's `path` and `service` values.
    var routePathLocations: [SourceLocation?]
    var routeServiceLocations: [SourceLocation?]
}

extension ManifestBuilder {
    func gatewaySpec(_ node: Node, keyNode: Node?) -> GatewayDraft? {
        guard
            let reader = MappingReader(
                node, key: "gateway", section: ManifestSchema.gateway, owner: "'gateway'",
                context: context)
        else { return nil }
        var listen: [ListenAddress] = []
        var tls: [ListenAddress: TLSFiles] = [:]
        var listenLocations: [SourceLocation?] = []
        if let listenNode = reader["listen"] {
            let items: [Node]
            if case .sequence(let sequence) = listenNode {
                items = Array(sequence)
            } else {
                items = [listenNode]
            }
            for item in items {
                guard let (address, files) = listener(item) else { continue }
                if listen.contains(address) {
                    context.error("duplicate listen address \(address)", at: item)
                } else {
                    listen.append(address)
                    tls[address] = files
                    listenLocations.append(context.location(item))
                }
            }
        } else {
            listen = [ManifestSchema.Defaults.listen]
            listenLocations = [context.location(keyNode)]
        }
        var draft = GatewayDraft(
            spec: GatewaySpec(listen: listen, routes: [], location: context.location(keyNode)),
            listenLocations: listenLocations, routePathLocations: [], routeServiceLocations: [])
        draft.spec.tls = tls
        if let balance = reader.string("balance") {
            if ManifestSchema.Defaults.balancePolicies.contains(balance) {
                draft.spec.balance = balance
            } else {
                context.error(
                    "unknown balance '\(balance)'; use one of "
                        + ManifestSchema.Defaults.balancePolicies.joined(separator: ", "),
                    at: reader["balance"])
            }
        }
        if let value = reader.duration("queue_timeout") { draft.spec.queueTimeout = value }
        if let value = reader.duration("timeout", positive: true) { draft.spec.timeout = value }
        if let value = reader.int("retries", minimum: 0) { draft.spec.retries = value }
        if let value = reader.int("max_header_bytes", minimum: 1024) { draft.spec.maxHeaderBytes = value }
        if let value = reader.int("max_body_bytes", minimum: 0) { draft.spec.maxBodyBytes = value }
        if let value = reader.duration("header_timeout", positive: true) { draft.spec.headerTimeout = value }
        if let value = reader.duration("idle_timeout", positive: true) { draft.spec.idleTimeout = value }
        if let value = reader.int("max_connections", minimum: 1) { draft.spec.maxConnections = value }
        if let value = reader.bool("access_log") { draft.spec.accessLog = value }
        if let value = reader.int("max_headers", minimum: 1) {
            if value > 10_000 {
                context.error("'max_headers' must be <= 10000, got \(value)", at: reader["max_headers"])
            } else {
                draft.spec.maxHeaders = value
            }
        }
        if let value = reader.duration("send_timeout", positive: true) { draft.spec.sendTimeout = value }
        if let value = reader.duration("body_timeout", positive: true) { draft.spec.bodyTimeout = value }
        if let node = reader["trust_forwarded"] { draft.spec.trustForwarded = trustForwarded(node) }
        if let node = reader["http2"] { draft.spec.http2 = http2Limits(node) }
        if let routesNode = reader["routes"] {
            if case .sequence(let sequence) = routesNode {
                for item in sequence {
                    guard let (spec, pathLocation, serviceLocation) = route(item) else { continue }
                    draft.spec.routes.append(spec)
                    draft.routePathLocations.append(pathLocation)
                    draft.routeServiceLocations.append(serviceLocation)
                }
            } else {
                context.error("'routes' must be a list of routes, got \(routesNode.summary)", at: routesNode)
            }
        }
        return draft
    }

    /// `trust_forwarded: [CIDR, ...]` (or one CIDR): IPv4 or IPv6 blocks, or single addresses.
    private func trustForwarded(_ node: Node) -> [String] {
        let items: [Node]
        if case .sequence(let sequence) = node { items = Array(sequence) } else { items = [node] }
        var blocks: [String] = []
        for item in items {
            guard let text = item.text else {
                context.error("'trust_forwarded' must be a list of address blocks, got \(item.summary)", at: item)
                continue
            }
            guard AddressBlock(text) != nil else {
                context.error(
                    "invalid address block '\(text)' in 'trust_forwarded'; expected an IPv4 or IPv6 address, "
                        + "optionally with /BITS (10.0.0.0/8, 2001:db8::/32)", at: item)
                continue
            }
            blocks.append(text)
        }
        return blocks
    }

    /// `host:port`, or `{ address: host:port, tls: { cert: PATH, key: PATH } }` for HTTPS.
    private func listener(_ node: Node) -> (ListenAddress, TLSFiles?)? {
        guard case .mapping = node else { return listenAddress(node).map { ($0, nil) } }
        guard
            let reader = MappingReader(
                node, key: "listen", section: ManifestSchema.listener,
                owner: "a listen address", context: context)
        else { return nil }
        guard let addressNode = reader["address"] else {
            context.error("listen address has no 'address' (host:port)", at: node)
            return nil
        }
        guard let address = listenAddress(addressNode) else { return nil }
        guard let tlsNode = reader["tls"] else { return (address, nil) }
        guard
            let tls = MappingReader(
                tlsNode, key: "tls", section: ManifestSchema.tls, owner: "'tls'",
                context: context)
        else { return nil }
        let certificate = pemFile(tls, "cert", owner: tlsNode)
        let privateKey = pemFile(tls, "key", owner: tlsNode)
        guard let certificate, let privateKey else { return nil }
        return (address, TLSFiles(certificate: certificate, privateKey: privateKey))
    }

    /// An existing, readable file named by `key`, as an absolute path (relative paths start at the manifest).
    private func pemFile(_ reader: MappingReader, _ key: String, owner: Node) -> String? {
        guard let text = reader.visibleString(key, label: "tls.\(key)") else {
            if reader[key] == nil { context.error("'tls' has no '\(key)' (a PEM file)", at: owner) }
            return nil
        }
        let path = PathText.absolute(text, relativeTo: context.directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            context.error("tls \(key) file '\(path)' not found", at: reader[key])
            return nil
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            context.error("tls \(key) file '\(path)' cannot be read", at: reader[key])
            return nil
        }
        return path
    }

    func listenAddress(_ node: Node) -> ListenAddress? {
        guard let text = node.text else {
            context.error("'listen' must be \"host:port\" or a list of them, got \(node.summary)", at: node)
            return nil
        }
        guard let address = ListenAddress.parse(text) else {
            context.error(
                "invalid listen address '\(text)'; expected host:port, :port or [v6]:port "
                    + "with a port 1..65535", at: node)
            return nil
        }
        return address
    }

    private func route(_ node: Node) -> (RouteSpec, SourceLocation?, SourceLocation?)? {
        guard
            let reader = MappingReader(
                node, key: "route", section: ManifestSchema.route, owner: "a route",
                context: context)
        else { return nil }
        let path = reader.string("path")
        let service = reader.string("service")
        let stripPrefix = reader.bool("strip_prefix") ?? ManifestSchema.Defaults.stripPrefix
        let host = reader.visibleString("host")
        if reader["path"] == nil {
            context.error("route has no 'path'", at: node)
        }
        if reader["service"] == nil {
            context.error("route has no 'service'", at: node)
        }
        guard let path, let service else { return nil }
        guard path.hasPrefix("/") else {
            context.error("route path must start with '/', got '\(path)'", at: reader["path"])
            return nil
        }
        guard requestPath(path, key: "path", at: reader["path"]) else { return nil }
        var spec = RouteSpec(
            path: path, service: service, stripPrefix: stripPrefix, host: host,
            location: context.location(node))
        spec.timeout = reader.duration("timeout", positive: true)
        spec.retries = reader.int("retries", minimum: 0)
        spec.maxBodyBytes = reader.int("max_body_bytes", minimum: 0)
        spec.deadline = reader.duration("deadline", positive: true)
        return (spec, context.location(reader["path"]), context.location(reader["service"]))
    }
}
