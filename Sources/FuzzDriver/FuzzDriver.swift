#if canImport(Glibc)
    import Glibc
#endif

/// What every fuzz target shares: running libFuzzer's driver in a fuzz build, and replaying input files in a normal
/// build. Each target keeps only its two entry points (their C names differ per executable) and its harness.
///
/// Why a driver call instead of libFuzzer's `main`: SwiftPM links an executable with its `main` renamed to
/// `TARGET_main` (so that tests can link executables), so libFuzzer's own `main` is never pulled in; the target's
/// renamed `main` calls `run` instead.
public enum FuzzDriver {
    /// libFuzzer's per-input callback: a C function, so no closure context.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    #if FUZZING
        @_silgen_name("LLVMFuzzerRunDriver")
        static func llvmFuzzerRunDriver(
            _ argc: UnsafeMutablePointer<CInt>,
            _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
            _ callback: TestOneInput
        ) -> CInt

        /// Runs libFuzzer with the process's arguments (`-max_total_time=15 corpus/`...).
        public static func run(
            _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ testOneInput: TestOneInput
        ) -> CInt {
            var argc = argc
            var argv = argv
            return llvmFuzzerRunDriver(&argc, &argv, testOneInput)
        }
    #endif

    /// Without the fuzzer, the same checks replay the files named on the command line (a seed corpus, a crash file
    /// to reproduce): `swift run gateway-fuzz Tests/fuzz-corpus/gateway/*`. Exits 2 on a file it cannot read.
    public static func replay(_ paths: ArraySlice<String>, _ check: (UnsafeRawBufferPointer) -> Void) {
        for path in paths {
            guard let bytes = readFile(path) else {
                print("cannot open \(path)")
                exit(2)
            }
            bytes.withUnsafeBytes(check)
        }
        print("replayed \(paths.count) inputs")
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes.append(contentsOf: chunk[0..<read])
        }
        return bytes
    }
}
