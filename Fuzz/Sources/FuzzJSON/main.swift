// Fuzzes the strict JSON parser and the three writers. Property: whatever parses encodes, in
// canonical, RFC 8785 and pretty form, to bytes that parse back to the same value.
import CFuzzer
import TUF

func check(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 20)).parse(bytes) else { return 0 }
    let lenient = JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 22, allowsRawControlCharacters: true))
    guard let canonical = try? lenient.parse(CanonicalJSON.encode(value)), canonical == value else {
        fatalError("canonical form does not parse back to the same value")
    }
    guard let pretty = try? JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 22)).parse(JSONWriter.prettyPrinted(value)),
        pretty == value
    else { fatalError("pretty form does not parse back to the same value") }
    if let jcs = try? RFC8785.encode(value) {
        guard let reparsed = try? JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 22)).parse(jcs), reparsed == value else {
            fatalError("RFC 8785 form does not parse back to the same value")
        }
    }
    return 0
}

// The fuzzer runtime's own driver refers to this symbol even when LLVMFuzzerRunDriver is used.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { check(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = UnsafeMutableRawPointer(CommandLine.unsafeArgv)
    .assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
_ = LLVMFuzzerRunDriver(&argc, &argv) { check($0, $1) }
