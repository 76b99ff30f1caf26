import BerthSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fixed ports for tests that need to know them before a daemon starts (a manifest's `port: N`, replicas on N and
/// N+1). A port drawn at random from a range that overlaps the kernel's ephemeral ports (32768-60999 here) can be
/// taken by any outgoing connection of a test running meanwhile; this draws below that range and checks that every
/// port of the run binds on all addresses now.
public func freeConsecutivePorts(_ count: Int, in range: ClosedRange<Int> = 20_000...32_000) -> Int? {
    for _ in 0..<100 {
        let base = Int.random(in: range.lowerBound...(range.upperBound - count + 1))
        if (base..<(base + count)).allSatisfy(portBindsOnAllAddresses) { return base }
    }
    return nil
}

/// Whether a TCP listener could bind `port` on 0.0.0.0 right now (no SO_REUSEADDR: a port with connections in
/// TIME_WAIT counts as taken too).
private func portBindsOnAllAddresses(_ port: Int) -> Bool {
    guard let fd = try? SocketAddresses.socket(AF_INET, Int32(SOCK_STREAM.rawValue)) else { return false }
    defer { close(fd) }
    let bound = try? SocketAddresses.withInet(host: "0.0.0.0", port: UInt16(port)) { address, length in
        bind(fd, address, length)
    }
    return bound == 0
}
