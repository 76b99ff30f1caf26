import Testing

@testable import ShopGRPCTransport

/// The `grpc-timeout` value the saga's calls send and the servers read (gRPC over HTTP/2: 1 to 8 digits and a unit).
@Suite struct GRPCTimeoutTests {
    @Test func encodesInTheFinestUnitThatFitsEightDigits() {
        #expect(GRPCTimeout.encode(.nanoseconds(1500)) == "1500n")
        #expect(GRPCTimeout.encode(.milliseconds(2500)) == "2500000u")
        #expect(GRPCTimeout.encode(.seconds(3)) == "3000000u")
        #expect(GRPCTimeout.encode(.seconds(200_000)) == "200000S")
        #expect(GRPCTimeout.encode(.seconds(99_999_999 * 60)) == "99999999M")
        // Beyond Int64 nanoseconds (292 years) the duration saturates there.
        #expect(GRPCTimeout.encode(.seconds(Int64.max)) == "2562048H")
        #expect(GRPCTimeout.encode(.nanoseconds(Int64.max)) == "2562048H")
        #expect(
            GRPCTimeout.encode(
                .init(secondsComponent: Int64.max / 1_000_000_000, attosecondsComponent: 999_999_999_999_999_999))
                == "2562048H")
    }

    @Test func roundsUpSoThatADeadlineIsNeverSentShorter() {
        #expect(GRPCTimeout.encode(.nanoseconds(100_000_001)) == "100001u")
        #expect(GRPCTimeout.encode(.init(secondsComponent: 0, attosecondsComponent: 1)) == "1n")
    }

    @Test func aDeadlineThatHasPassedIsZero() {
        #expect(GRPCTimeout.encode(.zero) == "0n")
        #expect(GRPCTimeout.encode(.milliseconds(-5)) == "0n")
    }

    @Test func decodesEveryUnit() {
        #expect(GRPCTimeout.decode("1500n") == .nanoseconds(1500))
        #expect(GRPCTimeout.decode("7u") == .microseconds(7))
        #expect(GRPCTimeout.decode("100m") == .milliseconds(100))
        #expect(GRPCTimeout.decode("5S") == .seconds(5))
        #expect(GRPCTimeout.decode("2M") == .seconds(120))
        #expect(GRPCTimeout.decode("1H") == .seconds(3600))
        #expect(GRPCTimeout.decode("99999999H") == .seconds(99_999_999 * 3600))
    }

    @Test func refusesWhatIsNotOneToEightDigitsAndAUnit() {
        for value in ["", "m", "12", "123456789m", "-1m", "+1m", "1x", "1.5S", " 1S", "1S ", "１S"] {
            #expect(GRPCTimeout.decode(value) == nil, "\(value)")
        }
    }

    @Test func whatIsSentReadsBackAtLeastAsLong() {
        for duration: Duration in [
            .nanoseconds(1), .microseconds(999), .milliseconds(1), .milliseconds(2999), .seconds(3),
            .seconds(100_001), .init(secondsComponent: 12, attosecondsComponent: 345_678_901_234_567_890),
        ] {
            let read = GRPCTimeout.decode(GRPCTimeout.encode(duration))
            #expect(read != nil && read! >= duration, "\(duration)")
        }
    }
}
