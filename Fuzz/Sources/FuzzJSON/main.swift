// Fuzzes the strict JSON parser and the three writers. Property: whatever parses encodes, in
// canonical, RFC 8785 and pretty form, to bytes that parse back to the same value.
import FuzzSupport
import TUF

func check(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let value = try? JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 20)).parse(bytes) else { return }
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
}

runFuzzer(check)
