import BerthGatewayCore
import Testing

@Suite("Routes")
struct RouteTableTests {
    static let table = RouteTable([
        .init(path: "/", service: "web"),
        .init(path: "/api", service: "api"),
        .init(path: "/api/users", service: "users", stripPrefix: true, timeout: .seconds(5), retries: 2),
        .init(path: "/admin/", service: "admin"),
        .init(path: "/", host: "Static.Example.com", service: "static"),
        .init(path: "/api", host: "static.example.com", service: "static-api"),
    ])

    static func service(_ host: String?, _ target: String) -> String? {
        table.match(host: host, target: target)?.route.service
    }

    @Test func longestPrefixWins() {
        #expect(Self.service("x", "/") == "web")
        #expect(Self.service("x", "/index.html") == "web")
        #expect(Self.service("x", "/api") == "api")
        #expect(Self.service("x", "/api/orders") == "api")
        #expect(Self.service("x", "/api/users") == "users")
        #expect(Self.service("x", "/api/users/1") == "users")
        #expect(Self.service(nil, "/api/users?x=1") == "users")
    }

    @Test func segmentBoundaries() {
        #expect(Self.service("x", "/api/usersx") == "api")
        #expect(Self.service("x", "/apix") == "web")
        #expect(Self.service("x", "/api/users/") == "users")
        #expect(Self.service("x", "/admin") == "admin")
        #expect(Self.service("x", "/admin/x") == "admin")
        #expect(Self.service("x", "/administrator") == "web")
    }

    @Test func upstreamTargets() throws {
        #expect(try #require(Self.table.match(host: nil, target: "/api/users/1?x=1")).upstreamTarget == "/1?x=1")
        #expect(try #require(Self.table.match(host: nil, target: "/api/users")).upstreamTarget == "/")
        #expect(try #require(Self.table.match(host: nil, target: "/api/orders?a")).upstreamTarget == "/api/orders?a")
        let users = try #require(Self.table.match(host: nil, target: "/api/users/2")).route
        #expect(users.timeout == .seconds(5))
        #expect(users.retries == 2)
    }

    @Test func hostRoutesBeatOthers() {
        #expect(Self.service("static.example.com", "/api/users/1") == "static-api")
        #expect(Self.service("STATIC.example.COM:8080", "/x") == "static")
        #expect(Self.service("static.example.com.", "/api") == "static-api")
        #expect(Self.service("other.example.com", "/api/users/1") == "users")
        #expect(Self.service(nil, "/x") == "web")
    }

    @Test func noMatch() {
        let table = RouteTable([.init(path: "/api", service: "api"), .init(path: "/", host: "a", service: "a")])
        #expect(table.match(host: "b", target: "/other") == nil)
        #expect(table.match(host: nil, target: "*") == nil)
        #expect(table.match(host: "b", target: "/api/x")?.route.service == "api")
        #expect(RouteTable([]).match(host: "a", target: "/") == nil)
    }

    @Test func firstWrittenWinsAmongEqualPrefixes() {
        let table = RouteTable([.init(path: "/a", service: "one"), .init(path: "/a/", service: "two")])
        #expect(table.match(host: nil, target: "/a/b")?.route.service == "one")
    }

    @Test func ipv6Hosts() {
        let table = RouteTable([.init(path: "/", host: "[::1]", service: "v6"), .init(path: "/", service: "any")])
        #expect(table.match(host: "[::1]:8080", target: "/")?.route.service == "v6")
        #expect(table.match(host: "[::2]", target: "/")?.route.service == "any")
    }
}
