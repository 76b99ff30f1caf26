import BerthProbes
import Testing

/// The hand-written grpc.health.v1 messages and gRPC framing, and the verdict on every kind of answer.
@Suite struct GRPCHealthMessagesTests {
    @Test func requestEncodesTheServiceAsField1() {
        #expect(GRPCHealthMessages.request(service: "") == [])
        #expect(GRPCHealthMessages.request(service: "a.B") == [0x0A, 3, 0x61, 0x2E, 0x42])
        let long = String(repeating: "x", count: 200)
        #expect(Array(GRPCHealthMessages.request(service: long).prefix(3)) == [0x0A, 0xC8, 0x01])
    }

    @Test func framePrefixesFlagAndBigEndianLength() throws {
        #expect(GRPCHealthMessages.frame([]) == [0, 0, 0, 0, 0])
        #expect(GRPCHealthMessages.frame([0x08, 0x01]) == [0, 0, 0, 0, 2, 0x08, 0x01])
        #expect(Array(try GRPCHealthMessages.unframe([0, 0, 0, 0, 2, 0x08, 0x01])) == [0x08, 0x01])
    }

    @Test func unframeRejectsBadBodies() {
        #expect(throws: GRPCHealthMessages.DecodingError.truncated) { try GRPCHealthMessages.unframe([0, 0, 0]) }
        #expect(throws: GRPCHealthMessages.DecodingError.truncated) {
            try GRPCHealthMessages.unframe([0, 0, 0, 0, 3, 0x08])
        }
        #expect(throws: GRPCHealthMessages.DecodingError.compressed) {
            try GRPCHealthMessages.unframe([1, 0, 0, 0, 0])
        }
        #expect(throws: GRPCHealthMessages.DecodingError.trailingBytes) {
            try GRPCHealthMessages.unframe([0, 0, 0, 0, 0, 7])
        }
    }

    @Test func responseStatusIsField1AndUnknownFieldsAreSkipped() throws {
        #expect(try GRPCHealthMessages.status(ofResponse: []) == .unknown)
        #expect(try GRPCHealthMessages.status(ofResponse: [0x08, 1]) == .serving)
        #expect(try GRPCHealthMessages.status(ofResponse: [0x08, 2]) == .notServing)
        #expect(try GRPCHealthMessages.status(ofResponse: [0x08, 3]) == .serviceUnknown)
        #expect(try GRPCHealthMessages.status(ofResponse: [0x08, 0x80, 0x01]) == .other(128))
        // field 2 (string "hi"), field 3 (fixed64), field 4 (fixed32), then the status
        let mixed: [UInt8] =
            [0x12, 2, 0x68, 0x69, 0x19] + [UInt8](repeating: 0, count: 8) + [0x25, 0, 0, 0, 0, 0x08, 1]
        #expect(try GRPCHealthMessages.status(ofResponse: mixed[...]) == .serving)
        #expect(throws: GRPCHealthMessages.DecodingError.truncated) {
            try GRPCHealthMessages.status(ofResponse: [0x08])
        }
        #expect(throws: GRPCHealthMessages.DecodingError.truncated) {
            try GRPCHealthMessages.status(ofResponse: [0x12, 5, 0x68])
        }
        #expect(throws: GRPCHealthMessages.DecodingError.unsupportedWireType(3)) {
            try GRPCHealthMessages.status(ofResponse: [0x0B])
        }
    }

    private func answer(_ body: [UInt8], grpcStatus: String? = "0") -> GRPCHealthAnswer {
        GRPCHealthAnswer(httpStatus: "200", contentType: "application/grpc", grpcStatus: grpcStatus, body: body)
    }

    @Test func verdicts() {
        let serving = GRPCHealthMessages.frame([0x08, 1])
        #expect(answer(serving).outcome(service: nil) == .success)
        #expect(answer(GRPCHealthMessages.frame([0x08, 2])).outcome(service: "a") == .failure("NOT_SERVING"))
        #expect(
            answer(GRPCHealthMessages.frame([0x08, 3])).outcome(service: "a")
                == .failure("service 'a' unknown to the health server"))
        #expect(answer(GRPCHealthMessages.frame([])).outcome(service: nil) == .failure("status UNKNOWN"))
        #expect(
            answer([], grpcStatus: "5").outcome(service: "shop.Cart")
                == .failure("service 'shop.Cart' unknown to the health server"))
        #expect(
            answer([], grpcStatus: "12").outcome(service: nil)
                == .failure("the server does not implement grpc.health.v1.Health"))
        var failing = answer([], grpcStatus: "14")
        failing.grpcMessage = "draining%20now"
        #expect(failing.outcome(service: nil) == .failure("gRPC status UNAVAILABLE (14): draining now"))
        #expect(
            answer(serving, grpcStatus: nil).outcome(service: nil)
                == .failure("not a gRPC answer: no grpc-status"))
        #expect(answer([0, 0]).outcome(service: nil) == .failure("malformed health response"))
        #expect(
            GRPCHealthAnswer(httpStatus: "404", contentType: "text/html").outcome(service: nil)
                == .failure("not a gRPC answer: HTTP 404"))
        #expect(
            GRPCHealthAnswer(httpStatus: "200", contentType: "text/plain").outcome(service: nil)
                == .failure("not a gRPC answer: content-type 'text/plain'"))
        #expect(
            GRPCHealthAnswer(
                httpStatus: "200", contentType: "application/grpc+proto", grpcStatus: "0",
                body: serving
            ).outcome(service: nil) == .success)
    }
}
