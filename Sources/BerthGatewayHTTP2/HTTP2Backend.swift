public import BerthGatewayCore
public import Logging
public import NIOCore

/// What the HTTP/2 side needs from the gateway it belongs to: routes, the balancer's pick and in-flight counts (so
/// that draining, ejection and `least_conn` see HTTP/2 streams like HTTP/1 requests), request ids and the access
/// log. A seam, so that this module knows nothing of the HTTP/1 gateway's internals; every call is made on
/// `eventLoop`.
public protocol HTTP2Backend: AnyObject {
    var eventLoop: any EventLoop { get }
    var logger: Logger { get }
    /// The limits and timeouts of HTTP/2 connections, as configured now.
    var http2Settings: HTTP2GatewaySettings { get }
    /// The route of a request and the path to send upstream; nil when no route matches.
    func http2Route(host: String?, path: String) -> HTTP2Route?
    /// A ready replica of `service` not in `excluding`, by the service's balance policy.
    func pick(service: String, excluding: Set<Int>) -> UpstreamBalancer.Replica?
    /// Whether the replica is still in rotation as this generation (else its idle connections are closed).
    func isInRotation(service: String, id: Int, generation: Int) -> Bool
    /// A stream was sent to the replica (counts in flight until `finished`).
    func started(service: String, id: Int)
    func finished(service: String, id: Int, generation: Int, outcome: UpstreamBalancer.Outcome)
    /// Waits (up to the queue timeout) for a replica of a service that is starting; false when none is starting,
    /// and the call fails at once. `resume` gets nil when the wait timed out.
    func waitForReplica(service: String, _ resume: @escaping (UpstreamBalancer.Replica?) -> Void) -> Bool
    func nextRequestID() -> String
    /// One access log line (`status`: the HTTP status, the gRPC status goes in `grpcStatus`).
    func logHTTP2Access(_ entry: HTTP2AccessEntry)
}

/// A matched route, as the HTTP/2 side needs it. A class: a call reads its route at every step (`guard let route`),
/// and as a struct of seven strings each read was a copy of them all and its release (~3k instructions per request
/// in bench/h2-profile.sh); it is never changed once made.
public final class HTTP2Route: Sendable {
    public let route: RouteTable.Route
    public let service: String
    /// `host path` of the route, for metrics.
    public let routeName: String
    public let upstreamPath: String
    public let upstreamProtocol: UpstreamProtocol
    /// Time to the response head per try.
    public let timeout: Duration
    /// Extra tries on another replica when the call never reached one.
    public let retries: Int

    public init(
        route: RouteTable.Route, routeName: String, upstreamPath: String, upstreamProtocol: UpstreamProtocol,
        timeout: Duration, retries: Int
    ) {
        self.route = route
        self.service = route.service
        self.routeName = routeName
        self.upstreamPath = upstreamPath
        self.upstreamProtocol = upstreamProtocol
        self.timeout = timeout
        self.retries = retries
    }
}

/// What one HTTP/2 stream left in the access log.
public struct HTTP2AccessEntry: Sendable {
    public var method: String
    public var path: String
    public var status: Int
    /// The call's gRPC status (from the replica's trailers or the gateway's own answer); nil when not gRPC.
    public var grpcStatus: Int?
    public var service: String?
    public var replicaIndex: Int?
    public var routeName: String?
    public var route: RouteTable.Route?
    /// Replicas tried.
    public var attempts: Int
    public var upstreamNanoseconds: Int64?
    public var totalNanoseconds: Int64
    public var requestID: String
}
