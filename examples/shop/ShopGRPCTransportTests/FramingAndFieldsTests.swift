import GRPCCore
import NIOCore
import NIOHPACK
import ShopGRPCTransport
import Testing

@Suite struct GRPCMessageDeframerTests {
    func framed(_ messages: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for message in messages {
            buffer.writeImmutableBuffer(GRPCMessageFramer.frame(ByteBuffer(bytes: message), allocator: .init()))
        }
        return buffer
    }

    @Test func messagesSplitAnywhereAcrossFramesComeOutWhole() throws {
        let messages: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: 300), [4]]
        let wire = framed(messages)
        for cut in [1, 2, 5, 6, 7, 100, wire.readableBytes - 1] {
            var deframer = GRPCMessageDeframer(maxMessageBytes: 1000)
            var out: [[UInt8]] = []
            deframer.append(wire.getSlice(at: 0, length: cut)!)
            while let message = try deframer.next() { out.append(Array(buffer: message)) }
            deframer.append(wire.getSlice(at: cut, length: wire.readableBytes - cut)!)
            while let message = try deframer.next() { out.append(Array(buffer: message)) }
            #expect(out == messages, "cut at \(cut)")
            #expect(!deframer.holdsPartialMessage)
        }
    }

    @Test func aTruncatedMessageIsHeld() throws {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 1000)
        deframer.append(framed([[1, 2, 3]]).getSlice(at: 0, length: 6)!)
        #expect(try deframer.next() == nil)
        #expect(deframer.holdsPartialMessage)
    }

    @Test func theCompressedFlagAndTooLongALengthAreRefusedBeforeTheBody() {
        var compressed = GRPCMessageDeframer(maxMessageBytes: 1000)
        compressed.append(ByteBuffer(bytes: [1, 0, 0, 0, 1]))
        #expect(throws: GRPCMessageDeframer.Failure.compressed) { try compressed.next() }
        var long = GRPCMessageDeframer(maxMessageBytes: 1000)
        long.append(ByteBuffer(bytes: [0, 0, 0, 3, 233]))
        #expect(throws: GRPCMessageDeframer.Failure.tooLarge(length: 1001, limit: 1000)) { try long.next() }
    }
}

@Suite struct GRPCFieldsTests {
    let good: HPACKHeaders = [
        ":method": "POST", ":scheme": "http", ":path": "/shop.inventory.v1.Inventory/Reserve", ":authority": "x",
        "content-type": "application/grpc", "te": "trailers", "x-meta-bin": "AAH/",
    ]

    @Test func aRequestHeadNamesItsMethodAndKeepsItsFieldsAsMetadata() throws {
        let method = try GRPCFields.method(ofRequest: good).get()
        #expect(method == MethodDescriptor(fullyQualifiedService: "shop.inventory.v1.Inventory", method: "Reserve"))
        let metadata = GRPCFields.metadata(good)
        #expect(Array(metadata[binaryValues: "x-meta-bin"]) == [[0, 1, 255]])
        #expect(Array(metadata[stringValues: "te"]) == ["trailers"])
    }

    @Test func headsThatAreNotGRPCCallsAreRefusedAsGRPCSwiftRefusesThem() {
        func refusal(_ change: (inout HPACKHeaders) -> Void) -> GRPCFields.Refusal? {
            var fields = good
            change(&fields)
            if case .failure(let refusal) = GRPCFields.method(ofRequest: fields) { return refusal }
            return nil
        }
        #expect(refusal { $0.replaceOrAdd(name: "content-type", value: "text/plain") } == .unsupportedMediaType)
        #expect(refusal { $0.replaceOrAdd(name: "content-type", value: "application/grpcx") } == .unsupportedMediaType)
        #expect(refusal { $0.replaceOrAdd(name: "content-type", value: "application/grpc+proto") } == nil)
        #expect(
            refusal { $0.replaceOrAdd(name: ":method", value: "GET") }
                == .status(.invalidArgument, ":method must be POST"))
        #expect(refusal { $0.replaceOrAdd(name: "grpc-encoding", value: "gzip") } == .unsupportedEncoding("gzip"))
        #expect(refusal { $0.replaceOrAdd(name: "grpc-encoding", value: "identity") } == nil)
        for path in ["/a", "/a/", "//b", "a/b", "/a/b/c"] {
            #expect(refusal { $0.replaceOrAdd(name: ":path", value: path) } != nil, "path \(path)")
        }
        #expect(!GRPCFields.refusal(.status(.unimplemented, "no")).contains(name: "grpc-accept-encoding"))
        let refusedEncoding = GRPCFields.refusal(.unsupportedEncoding("gzip"))
        #expect(refusedEncoding.first(name: "grpc-accept-encoding") == "identity")
        #expect(refusedEncoding.first(name: "grpc-status") == "12")
        #expect(GRPCFields.refusal(.unsupportedMediaType).first(name: ":status") == "415")
    }

    @Test func statusMessagesArePercentEncodedBothWays() {
        let text = "100% sûr\nligne"
        let encoded = GRPCFields.percentEncoded(text)
        #expect(encoded == "100%25 s%C3%BBr%0Aligne")
        #expect(GRPCFields.percentDecoded(encoded) == text)
        #expect(GRPCFields.percentDecoded("bad %zz and %4") == "bad %zz and %4")
    }

    @Test func aResponseHeadIsReadAsGRPCDoes() {
        let head: HPACKHeaders = [":status": "200", "content-type": "application/grpc", "x": "y"]
        #expect(
            GRPCFields.responseHead(head, endStream: false) == .head(["content-type": "application/grpc", "x": "y"]))
        var trailersOnly = head
        trailersOnly.add(name: "grpc-status", value: "5")
        trailersOnly.add(name: "grpc-message", value: "gone%21")
        guard case .final(let status, _) = GRPCFields.responseHead(trailersOnly, endStream: true) else {
            Issue.record("not final")
            return
        }
        #expect(status == Status(code: .notFound, message: "gone!"))
        guard case .final(let http, _) = GRPCFields.responseHead([":status": "503"], endStream: true) else {
            Issue.record("not final")
            return
        }
        #expect(http.code == .unavailable)
        guard
            case .final(let plain, _) = GRPCFields.responseHead(
                [":status": "200", "content-type": "text/html"], endStream: false)
        else {
            Issue.record("not final")
            return
        }
        #expect(plain.code == .internalError)
        #expect(GRPCFields.status(ofTrailers: ["grpc-status": "99"]).code == .unknown)
    }
}

@Suite struct ServerResponseStateTests {
    @Test func aStatusAloneGoesOutTrailersOnlyWithTheHeldMetadata() {
        var state = ServerResponseState()
        #expect(state.metadata(["a": "1"]).head == nil)
        let output = state.status(Status(code: .notFound, message: "no"), ["b": "2"])
        let trailers = try! #require(output.trailers)
        #expect(trailers.first(name: ":status") == "200")
        #expect(trailers.first(name: "a") == "1")
        #expect(trailers.first(name: "b") == "2")
        #expect(trailers.first(name: "grpc-status") == "5")
        #expect(state.isClosed)
        let after = state.message()
        #expect(after.head == nil && !after.message && after.trailers == nil)
    }

    @Test func aMessageBringsTheHeadFirstAndTheStatusEnds() {
        var state = ServerResponseState()
        _ = state.metadata(["a": "1"])
        let first = state.message()
        #expect(first.head?.first(name: "a") == "1")
        #expect(first.message)
        #expect(state.message().head == nil)
        let end = state.status(Status(code: .ok, message: ""), [:])
        #expect(end.trailers?.first(name: ":status") == nil)
        #expect(end.trailers?.first(name: "grpc-status") == "0")
        #expect(state.status(Status(code: .ok, message: ""), [:]).trailers == nil)
    }
}

@Suite struct CallInboxTests {
    @Test func partsComeInOrderThenTheEnd() async throws {
        let inbox = CallInbox<Int>(limit: 100)
        inbox.push(1, bytes: 10)
        inbox.push(2, bytes: 10)
        inbox.finish()
        inbox.push(3)
        #expect(try await inbox.next() == 1)
        #expect(try await inbox.next() == 2)
        #expect(try await inbox.next() == nil)
    }

    @Test func aWaitingReaderIsWokenAndAFailureEndsIt() async throws {
        let inbox = CallInbox<Int>(limit: 100)
        let reader = Task { () -> [Int] in
            var got: [Int] = []
            do {
                while let part = try await inbox.next() { got.append(part) }
            } catch {
                got.append(-1)
            }
            return got
        }
        try await Task.sleep(for: .milliseconds(20))
        inbox.push(7)
        try await Task.sleep(for: .milliseconds(20))
        inbox.fail(RPCError(code: .cancelled, message: "x"))
        #expect(await reader.value == [7, -1])
    }

    @Test func unreadBytesAreBounded() {
        let inbox = CallInbox<Int>(limit: 15)
        #expect(inbox.push(1, bytes: 10))
        #expect(!inbox.push(2, bytes: 10))
    }

    @Test func aCancelledReaderStops() async {
        let inbox = CallInbox<Int>(limit: 15)
        let reader = Task { try await inbox.next() }
        reader.cancel()
        let result = await reader.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
