// Cost of RouteWindow.record (the dashboard's per-route window, one call per gateway request), built with -O
// together with Sources/BerthGatewayCore/RouteWindow.swift by bench/route-window.sh.
let n = 20_000_000
var window = RouteWindow()
var seed: UInt64 = 1
let clock = ContinuousClock()
let start = clock.now
for i in 0..<n {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    let nanoseconds = Int64(seed >> 40)  // 0 to 16.7 ms
    window.record(second: Int64(i / 100_000), status: i % 100 == 0 ? 502 : 200, nanoseconds: nanoseconds)
}
let elapsed = clock.now - start
let total = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
let last = window.figures(second: Int64((n - 1) / 100_000))
let perRecord = (total / Double(n) * 10).rounded() / 10
print("| \(n) | \(perRecord) | \(last.requests) | \(last.errors) | \(last.p50 ?? -1) | \(last.p99 ?? -1) |")
