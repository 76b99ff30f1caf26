import BerthControlServer
import FuzzDriver

/// libFuzzer's entry point: built with `-sanitize=fuzzer` (see scripts/fuzz.sh), libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func controlFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ControlFuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// The executable's renamed `main` (see `FuzzDriver`): runs libFuzzer's driver.
    @_cdecl("control_fuzz_main")
    public func controlFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzDriver.run(argc, argv) { data, size in controlFuzzTestOneInput(data, size) }
    }
#else
    /// Without the fuzzer, the same checks replay files: `swift run control-fuzz Tests/fuzz-corpus/control/*`.
    @main
    enum ControlFuzzReplay {
        static func main() {
            FuzzDriver.replay(CommandLine.arguments.dropFirst()) { ControlFuzzHarness.run($0) }
        }
    }
#endif
