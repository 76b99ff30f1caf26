import BerthGatewayCore
import Testing

@Suite("Address blocks (trust_forwarded)")
struct AddressBlockTests {
    @Test func ipv4Blocks() throws {
        let block = try #require(AddressBlock("10.1.0.0/16"))
        #expect(block.contains("10.1.2.3"))
        #expect(block.contains("10.1.255.255"))
        #expect(!block.contains("10.2.0.1"))
        #expect(block.contains("::ffff:10.1.2.3"))  // an IPv4 peer reported by an IPv6 socket
        #expect(!block.contains("garbage"))
        let one = try #require(AddressBlock("127.0.0.1"))
        #expect(one.contains("127.0.0.1"))
        #expect(!one.contains("127.0.0.2"))
        #expect(try #require(AddressBlock("0.0.0.0/0")).contains("203.0.113.9"))
        #expect(!(try #require(AddressBlock("0.0.0.0/0")).contains("2001:db8::1")))
        #expect(try #require(AddressBlock("192.168.1.77/25")).contains("192.168.1.1"))
        #expect(!(try #require(AddressBlock("192.168.1.77/25")).contains("192.168.1.200")))
    }

    @Test func ipv6Blocks() throws {
        let block = try #require(AddressBlock("2001:db8::/32"))
        #expect(block.contains("2001:db8::1"))
        #expect(block.contains("2001:DB8:ffff::"))
        #expect(!block.contains("2001:db9::1"))
        #expect(!block.contains("10.0.0.1"))
        #expect(try #require(AddressBlock("::1")).contains("::1"))
        #expect(try #require(AddressBlock("fe80::/10")).contains("fe80::1:2:3:4"))
        #expect(try #require(AddressBlock("1:2:3:4:5:6:7:8/128")).contains("1:2:3:4:5:6:7:8"))
        #expect(try #require(AddressBlock("::ffff:0:0/96")).contains("10.0.0.1"))
    }

    @Test(arguments: [
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0/8", "10.0.0.256", "10.0.0.0/-1", "10.0.0.0/8/8", "::/129",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "localhost", "10.0.0.1 ", " 10.0.0.1", "1:2:3:4:5:6:7",
    ])
    func malformed(_ text: String) {
        #expect(AddressBlock(text) == nil, "\(text)")
    }

    @Test func anyOf() throws {
        let blocks = [try #require(AddressBlock("10.0.0.0/8")), try #require(AddressBlock("::1"))]
        #expect(AddressBlock.any(blocks, contains: "10.9.9.9"))
        #expect(AddressBlock.any(blocks, contains: "::1"))
        #expect(!AddressBlock.any(blocks, contains: "127.0.0.1"))
        #expect(!AddressBlock.any([], contains: "127.0.0.1"))
    }
}
