import BerthGatewayCore

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's entry point: built with `-sanitize=fuzzer` (see scripts/fuzz.sh), libFuzzer supplies `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func gatewayFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
/// libFuzzer's driver. SwiftPM links an executable with `main` defined as `gateway_fuzz_main` (it renames entry points
/// so that tests can link executables), so libFuzzer's own `main` is never pulled in; this entry point runs the driver
/// instead.
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("gateway_fuzz_main")
public func gatewayFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return llvmFuzzerRunDriver(&argc, &argv) { data, size in gatewayFuzzTestOneInput(data, size) }
}
#else
/// Without the fuzzer (a normal `swift build`), the same checks replay the files named on the command line, such as
/// the seed corpus: `swift run gateway-fuzz Tests/fuzz-corpus/gateway/*`.
@main
enum GatewayFuzzReplay {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        for path in paths {
            guard let file = fopen(path, "rb") else {
                print("cannot open \(path)")
                exit(2)
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let read = fread(&chunk, 1, chunk.count, file)
                if read <= 0 { break }
                bytes.append(contentsOf: chunk[0..<read])
            }
            fclose(file)
            bytes.withUnsafeBytes { FuzzHarness.run($0) }
        }
        print("replayed \(paths.count) inputs")
    }
}
#endif
