import BerthManifest
import Testing

/// Issue 15: `gateway: { http2: ... }`, the limits of HTTP/2 client connections.
@Suite struct HTTP2LimitsKeyTests {
    @Test func defaultsWhenAbsent() throws {
        let manifest = try #require(
            load(
                """
                gateway:
                  routes: [{ path: /, service: web }]
                services:
                  web: { command: a, port: auto }
                """))
        let limits = try #require(manifest.gateway).http2
        #expect(limits == HTTP2LimitsSpec())
        #expect(limits.maxConcurrentStreams == 100)
        #expect(limits.maxHeaderListSize == nil)
        #expect(limits.headerTableSize == 4096)
        #expect(limits.initialWindow == 65_535)
        #expect(limits.maxResets == 200)
        #expect(limits.resetWindow == .seconds(30))
    }

    @Test func everyKeyIsRead() throws {
        let manifest = try #require(
            load(
                """
                gateway:
                  routes: [{ path: /, service: web }]
                  http2:
                    max_concurrent_streams: 250
                    max_header_list_size: 32768
                    header_table_size: 0
                    initial_window: 1048576
                    max_resets: 50
                    reset_window: 10s
                services:
                  web: { command: a, port: auto, protocol: h2c }
                """))
        let limits = try #require(manifest.gateway).http2
        #expect(limits.maxConcurrentStreams == 250)
        #expect(limits.maxHeaderListSize == 32768)
        #expect(limits.headerTableSize == 0)
        #expect(limits.initialWindow == 1_048_576)
        #expect(limits.maxResets == 50)
        #expect(limits.resetWindow == .seconds(10))
    }

    @Test(arguments: [
        ("max_concurrent_streams: 0", "'max_concurrent_streams' must be >= 1, got 0"),
        ("max_concurrent_streams: 20000", "'max_concurrent_streams' must be <= 10000, got 20000"),
        ("max_header_list_size: 100", "'max_header_list_size' must be >= 1024, got 100"),
        ("header_table_size: 70000", "'header_table_size' must be <= 65536, got 70000"),
        ("initial_window: 99999999", "'initial_window' must be <= 16777216, got 99999999"),
        ("max_resets: lots", "'max_resets' must be an integer, got 'lots'"),
        ("reset_window: 0s", "'reset_window' must be greater than 0, got 0s"),
    ])
    func outOfRangeValuesAreErrorsAtTheirPosition(_ line: String, _ message: String) {
        // The value's column: after the 4-space indent and "key: ".
        let column = 5 + line.distance(from: line.startIndex, to: line.firstIndex(of: ":")!) + 2
        expectError(
            """
            gateway:
              routes: [{ path: /, service: web }]
              http2:
                \(line)
            services:
              web: { command: a, port: auto }
            """, message, line: 4, column: column)
    }

    @Test func unknownKeyIsAnErrorWithAHint() {
        let errors = diagnostics(
            """
            gateway:
              routes: [{ path: /, service: web }]
              http2: { max_streams: 10 }
            services:
              web: { command: a, port: auto }
            """
        ).filter { $0.severity == .error }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("max_streams") == true, "\(errors)")
        #expect(errors.first?.location?.line == 3, "\(errors)")
    }
}
