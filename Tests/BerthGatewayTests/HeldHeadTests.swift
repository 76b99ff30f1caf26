import NIOCore
import Testing

@testable import BerthGateway

/// A response head and a small body leave as one buffer (one `write`), a large body after the head unchanged, and a
/// held head is never lost or reordered (see `HeldHead`).
@Suite struct HeldHeadTests {
    private func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func aSmallBodyJoinsItsHead() throws {
        var held = HeldHead()
        let earlier = held.hold(buffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"))
        #expect(earlier == nil)
        let result = held.join(buffer("ok\n"))
        let joined = try #require(result)
        #expect(String(buffer: joined.first) == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        #expect(joined.then == nil)
        #expect(held.isEmpty)
        let none = held.take()
        #expect(none == nil)
    }

    @Test func aBodyAboveTheLimitFollowsItsHeadUncopied() throws {
        var held = HeldHead()
        _ = held.hold(buffer("HEAD"))
        let body = buffer(String(repeating: "b", count: HeldHead.joinLimit + 1))
        let result = held.join(body)
        let joined = try #require(result)
        #expect(String(buffer: joined.first) == "HEAD")
        #expect(joined.then == body)
        #expect(held.isEmpty)
    }

    @Test func aBodyAtTheLimitIsJoined() throws {
        var held = HeldHead()
        _ = held.hold(buffer("H"))
        let result = held.join(buffer(String(repeating: "b", count: HeldHead.joinLimit)))
        let joined = try #require(result)
        #expect(joined.first.readableBytes == HeldHead.joinLimit + 1)
        #expect(joined.then == nil)
    }

    @Test func nothingHeldWritesBytesAsTheyAre() {
        var held = HeldHead()
        let result = held.join(buffer("body"))
        #expect(result == nil)
        let none = held.take()
        #expect(none == nil)
    }

    @Test func aSecondHeadReturnsTheFirstToWriteBeforeIt() {
        var held = HeldHead()
        _ = held.hold(buffer("first"))
        let earlier = held.hold(buffer("second"))
        #expect(earlier.map { String(buffer: $0) } == "first")
        let second = held.take()
        #expect(second.map { String(buffer: $0) } == "second")
        #expect(held.isEmpty)
    }

    /// The join appends to the head's own storage: a slice of a larger read buffer given as the body is copied, and
    /// the read buffer it came from is left as it was.
    @Test func joiningLeavesTheBodysBufferUnchanged() throws {
        var read = buffer("xxok\nyy")
        read.moveReaderIndex(forwardBy: 2)
        let sliced = read.readSlice(length: 3)
        let slice = try #require(sliced)
        var held = HeldHead()
        _ = held.hold(buffer("H:"))
        let result = held.join(slice)
        let joined = try #require(result)
        #expect(String(buffer: joined.first) == "H:ok\n")
        #expect(String(buffer: read) == "yy")
        #expect(String(buffer: slice) == "ok\n")
    }
}
