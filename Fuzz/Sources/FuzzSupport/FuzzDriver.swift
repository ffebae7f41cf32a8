import CFuzzer

#if canImport(Glibc)
    import Glibc
#endif

/// The check the running fuzz target applies to each input; set once by ``runFuzzer(_:)``.
nonisolated(unsafe) private var currentCheck: ((UnsafeBufferPointer<UInt8>) -> Void)?

/// The fuzzer runtime's own driver refers to this symbol even when LLVMFuzzerRunDriver is used.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    currentCheck?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

/// Hands the process's arguments to libFuzzer and runs `check` on every input it generates.
public func runFuzzer(_ check: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
    currentCheck = check
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = UnsafeMutableRawPointer(CommandLine.unsafeArgv)
        .assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
    exit(LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) })
}
