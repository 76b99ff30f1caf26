import BerthManifest
import FuzzDriver

/// libFuzzer's entry point: built with `-sanitize=fuzzer` (see scripts/fuzz.sh), libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func manifestFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ManifestFuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// The executable's renamed `main` (see `FuzzDriver`): runs libFuzzer's driver.
    @_cdecl("manifest_fuzz_main")
    public func manifestFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        FuzzDriver.run(argc, argv) { data, size in manifestFuzzTestOneInput(data, size) }
    }
#else
    /// Without the fuzzer, the same checks replay files: `swift run manifest-fuzz Tests/fuzz-corpus/manifest/*`.
    @main
    enum ManifestFuzzReplay {
        static func main() {
            FuzzDriver.replay(CommandLine.arguments.dropFirst()) { ManifestFuzzHarness.run($0) }
        }
    }
#endif
