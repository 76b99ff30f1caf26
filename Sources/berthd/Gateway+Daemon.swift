public import BerthGateway
import BerthGatewayCore
public import BerthManifest
public import BerthSupervisor
import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Gateway: TrafficRouter {
    public func replaceRoutes(_ gateway: GatewaySpec) async {
        await replaceRoutes(from: GatewayConfiguration(gateway))
    }

    public func reloadCertificates(_ gateway: GatewaySpec) async -> [String] {
        var files: [String: GatewayConfiguration.TLS] = [:]
        for (address, tls) in gateway.tls {
            files["\(address.host):\(address.port)"] = .init(
                certificatePath: tls.certificate, privateKeyPath: tls.privateKey)
        }
        return reloadCertificates(files: files, trigger: "berth reload").map(\.description)
    }

    /// Passes failed requests to the supervisor, which restarts a replica after N in a row for the services that
    /// opted in with `health: { gateway_failures: N }`. The supervisor decides who opted in, from the manifest it
    /// runs now: a set taken here at start would miss a `gateway_failures` added by `berth reload`.
    func reportFailures(to supervisor: Supervisor) {
        onFailures { report in
            Task {
                await supervisor.gatewayFailed(
                    service: report.service, replica: report.replica, generation: report.generation,
                    consecutive: report.consecutive, detail: report.detail)
            }
        }
    }
}

extension GatewayConfiguration {
    /// The gateway's configuration from the manifest's `gateway:` section.
    init(_ spec: GatewaySpec) {
        self.init(
            listen: spec.listen.map { address in
                Listen(
                    host: address.host, port: address.port,
                    tls: spec.tls[address].map { TLS(certificatePath: $0.certificate, privateKeyPath: $0.privateKey) })
            },
            routes: spec.routes.map { route in
                RouteTable.Route(
                    path: route.path, host: route.host, service: route.service, stripPrefix: route.stripPrefix,
                    timeout: route.timeout, retries: route.retries, deadline: route.deadline
                )
            },
            balance: UpstreamBalancer.Policy(rawValue: spec.balance) ?? .p2c,
            queueTimeout: spec.queueTimeout,
            upstreamTimeout: spec.timeout,
            retries: spec.retries,
            limits: HTTPLimits(maxHeadBytes: spec.maxHeaderBytes, maxHeaderCount: spec.maxHeaders),
            maxBodyBytes: spec.maxBodyBytes,
            headerTimeout: spec.headerTimeout,
            idleTimeout: spec.idleTimeout,
            maxClientConnections: OpenFileLimit.gatewayConnections(configured: spec.maxConnections),
            // BERTH_GATEWAY_ACCESS_LOG=0|1 overrides the manifest (benchmarks measure both).
            accessLog: ProcessInfo.processInfo.environment["BERTH_GATEWAY_ACCESS_LOG"].map { $0 != "0" }
                ?? spec.accessLog
        )
        sendTimeout = spec.sendTimeout
        bodyTimeout = spec.bodyTimeout
        trustForwarded = spec.trustForwarded.compactMap(AddressBlock.init)
        upstreamProtocols = spec.upstreamProtocols
        http2 = HTTP2Limits(spec.http2)
        for route in spec.routes {
            if let limit = route.maxBodyBytes { maxBodyBytesByRoute[RouteKey(route.host, route.path)] = limit }
        }
    }
}
