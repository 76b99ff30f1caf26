import BerthGatewayCore
import FuzzDriver

/// libFuzzer's entry point: built with `-sanitize=fuzzer` (see scripts/fuzz.sh), libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func gatewayFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// The executable's renamed `main` (see `FuzzDriver`): runs libFuzzer's driver.
    @_cdecl("gateway_fuzz_main")
    public func gatewayFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzDriver.run(argc, argv) { data, size in gatewayFuzzTestOneInput(data, size) }
    }
#else
    /// Without the fuzzer, the same checks replay files: `swift run gateway-fuzz Tests/fuzz-corpus/gateway/*`.
    @main
    enum GatewayFuzzReplay {
        static func main() {
            FuzzDriver.replay(CommandLine.arguments.dropFirst()) { FuzzHarness.run($0) }
        }
    }
#endif
