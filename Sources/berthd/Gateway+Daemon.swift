public import BerthGateway
import BerthGatewayCore
import BerthManifest
public import BerthSupervisor

extension Gateway: TrafficRouter {}

extension GatewayConfiguration {
    /// The gateway's configuration from the manifest's `gateway:` section.
    init(_ spec: GatewaySpec) {
        self.init(
            listen: spec.listen.map { Listen(host: $0.host, port: $0.port) },
            routes: spec.routes.map { route in
                RouteTable.Route(
                    path: route.path, host: route.host, service: route.service, stripPrefix: route.stripPrefix,
                    timeout: route.timeout, retries: route.retries
                )
            },
            balance: UpstreamBalancer.Policy(rawValue: spec.balance) ?? .p2c,
            queueTimeout: spec.queueTimeout,
            upstreamTimeout: spec.timeout,
            retries: spec.retries,
            limits: HTTPLimits(maxHeadBytes: spec.maxHeaderBytes),
            maxBodyBytes: spec.maxBodyBytes,
            headerTimeout: spec.headerTimeout,
            idleTimeout: spec.idleTimeout,
            maxClientConnections: spec.maxConnections,
            // BERTH_GATEWAY_ACCESS_LOG=0|1 overrides the manifest (benchmarks measure both).
            accessLog: ProcessInfo.processInfo.environment["BERTH_GATEWAY_ACCESS_LOG"].map { $0 != "0" } ?? spec.accessLog
        )
        for route in spec.routes {
            if let limit = route.maxBodyBytes { maxBodyBytesByRoute[RouteKey(route.host, route.path)] = limit }
        }
    }
}

import Foundation
