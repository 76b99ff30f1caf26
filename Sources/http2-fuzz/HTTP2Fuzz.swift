import FuzzDriver

/// libFuzzer's entry point: built with `-sanitize=fuzzer` (see scripts/fuzz.sh), libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func http2FuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    HTTP2FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// The executable's renamed `main` (see `FuzzDriver`): runs libFuzzer's driver.
    @_cdecl("http2_fuzz_main")
    public func http2FuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzDriver.run(argc, argv) { data, size in http2FuzzTestOneInput(data, size) }
    }
#else
    /// Without the fuzzer, the same checks replay files: `swift run http2-fuzz Tests/fuzz-corpus/http2/*`.
    @main
    enum HTTP2FuzzReplay {
        static func main() {
            FuzzDriver.replay(CommandLine.arguments.dropFirst()) { HTTP2FuzzHarness.run($0) }
        }
    }
#endif
