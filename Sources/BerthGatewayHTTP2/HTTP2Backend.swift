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
    /// The route of a request (made once per route, shared by its calls) and the path to send upstream; nil when no
    /// route matches.
    func http2Route(host: String?, path: String) -> (route: HTTP2Route, upstreamPath: String)?
    /// A ready replica of the route's service not in `excluding`, by the service's balance policy.
    func pick(_ route: HTTP2Route, excluding: Set<Int>) -> UpstreamBalancer.Replica?
    /// Whether the replica is still in rotation as this generation (else its idle connections are closed).
    func isInRotation(service: String, id: Int, generation: Int) -> Bool
    /// A stream was sent to the replica (counts in flight until `finished`).
    func started(_ route: HTTP2Route, replica: UpstreamBalancer.Replica)
    /// The stream's try on the replica (as picked: its generation) ended with `outcome`.
    func finished(_ route: HTTP2Route, replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome)
    /// Waits (up to the queue timeout) for a replica of a service that is starting; false when none is starting,
    /// and the call fails at once. `resume` gets nil when the wait timed out.
    func waitForReplica(service: String, _ resume: @escaping (UpstreamBalancer.Replica?) -> Void) -> Bool
    /// A new request id (a value: its text is made only if something needs it).
    func nextRequestID() -> RequestID
    /// One access log line (`status`: the HTTP status, the gRPC status goes in `grpcStatus`).
    func logHTTP2Access(_ entry: HTTP2AccessEntry)
    /// A channel standing for a new connection to the replica on `port`, on the backend's event loop and not yet
    /// connected; nil (the default) makes a TCP connection. Only the http2 fuzz target makes one (an
    /// `EmbeddedChannel` that it feeds a replica's bytes), so that replicas' answers are fuzzed through the whole
    /// pipeline.
    func replicaChannel(port: Int) -> (any Channel)?
}

extension HTTP2Backend {
    public func replicaChannel(port: Int) -> (any Channel)? { nil }
}

/// A route, as the HTTP/2 side needs it. A class: a call reads its route at every step (`guard let route`), and as
/// a struct of seven strings each read was a copy of them all and its release (~3k instructions per request in
/// bench/h2-profile.sh); it is never changed once made, and the backend makes one per route of its table (not one
/// per call), with the gateway's defaults filled in.
///
/// It carries the backend's handles for the route (`index`, `table`, `serviceID`): a call's pick, start, end and
/// metrics find their service and counters by them, hashing no name (~2k instructions per call by name).
public final class HTTP2Route: Sendable {
    public let route: RouteTable.Route
    public let service: String
    /// The route's position in the backend's route table `table` (its per-route counters are indexed by it).
    public let index: Int
    /// Which route table `index` is in: the backend's count of tables, so that a call that outlives a reload is
    /// counted by its route's name, not by its old index in the new table.
    public let table: Int
    /// The service's id in the backend's pool (stable for the pool's life).
    public let serviceID: ServiceID
    /// `host path` of the route, for metrics.
    public let routeName: String
    public let upstreamProtocol: UpstreamProtocol
    /// Time to the response head per try.
    public let timeout: Duration
    /// `timeout` in NIO's unit, converted once (a `Duration`'s conversion cost ~190 instructions per call).
    let timeoutAmount: TimeAmount
    /// Extra tries on another replica when the call never reached one.
    public let retries: Int

    public init(
        route: RouteTable.Route, index: Int, table: Int, serviceID: ServiceID, routeName: String,
        upstreamProtocol: UpstreamProtocol, timeout: Duration, retries: Int
    ) {
        self.route = route
        self.service = route.service
        self.index = index
        self.table = table
        self.serviceID = serviceID
        self.routeName = routeName
        self.upstreamProtocol = upstreamProtocol
        self.timeout = timeout
        self.timeoutAmount = TimeAmount(timeout)
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
    public var replicaIndex: Int?
    /// The call's route (nil when none matched): its service, name and the backend's handles for its counters.
    public var route: HTTP2Route?
    /// Replicas tried.
    public var attempts: Int
    public var upstreamNanoseconds: Int64?
    public var totalNanoseconds: Int64
    public var requestID: RequestID
    /// When the call ended (the one clock read for the log line and the counters).
    public var endedAt: NIODeadline

    public var service: String? { route?.service }
    public var routeName: String? { route?.routeName }
}
