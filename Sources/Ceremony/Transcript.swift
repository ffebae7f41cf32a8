import Crypto
import Foundation
import TUF
import TUFClient

/// The tamper-evident record of a ceremony: one line per step, each naming the step, the key
/// holder, the SHA-256 of the metadata the step produced, and the SHA-256 of the line before it.
///
/// Editing, removing or reordering any line breaks the chain from that line on, which
/// ``verify()`` reports. Lines are canonical JSON, so the hashes do not depend on formatting.
public struct Transcript: Sendable {
    /// One step.
    public struct Record: Sendable, Equatable {
        /// What was done: `init`, `propose`, `sign`, `merge`, `publish`, …
        public var step: String
        /// Who did it (a key holder's name, or `online` for automated steps).
        public var holder: String
        /// The SHA-256 (hex) of the metadata bytes the step produced.
        public var metadataSHA256: String
        /// When, as the machine that ran the step saw it.
        public var time: Date
        /// The SHA-256 (hex) of the previous line's bytes; 64 zeros for the first.
        public var previous: String
        /// The signature of the key that took the step, over ``signedBytes``; `sign` steps carry
        /// one, so that a record saying a holder signed cannot be written without that holder's key.
        public var signature: Signature?

        /// A key's signature over a record.
        public struct Signature: Sendable, Equatable {
            /// The id of the signing key, as the ceremony's metadata lists it.
            public var keyID: String
            /// The signature, in the encoding the key's scheme uses.
            public var value: [UInt8]
        }

        /// A record of `step` by `holder`, unsigned.
        public init(step: String, holder: String, metadataSHA256: String, time: Date, previous: String, signature: Signature? = nil) {
            self.step = step
            self.holder = holder
            self.metadataSHA256 = metadataSHA256
            self.time = time
            self.previous = previous
            self.signature = signature
        }

        var unsignedJSON: JSONObject {
            let value: JSONValue = [
                "step": .string(step), "holder": .string(holder), "metadata_sha256": .string(metadataSHA256),
                "time": .string(MetadataDate.format(time)), "previous": .string(previous),
            ]
            return value.objectValue!
        }

        /// What a record's signature covers: the canonical form of the record without its signature.
        public var signedBytes: [UInt8] { CanonicalJSON.encode(.object(unsignedJSON)) }

        /// The record as its transcript line (canonical JSON, no newline).
        public var line: [UInt8] {
            var object = unsignedJSON
            if let signature {
                object["signature"] = ["keyid": .string(signature.keyID), "sig": .string(Hex.encode(signature.value))]
            }
            return CanonicalJSON.encode(.object(object))
        }

        /// Signs the record with `signer`, under `keyID`.
        public mutating func sign(with signer: some Signer, keyID: String) throws(CeremonyError) {
            do {
                signature = Signature(keyID: keyID, value: try signer.sign(signedBytes))
            } catch {
                throw CeremonyError(error)
            }
        }

        /// Whether the record's signature is valid under `key`.
        public func isSigned(by key: Key) -> Bool {
            guard let signature else { return false }
            return key.isValidSignature(signature.value, for: signedBytes)
        }
    }

    static let genesis = String(repeating: "0", count: 64)

    /// The file.
    public let url: URL

    /// The transcript kept in `url` (which need not exist yet).
    public init(url: URL) {
        self.url = url
    }

    /// Checks the whole chain and returns the records.
    @discardableResult
    public func verify() throws(CeremonyError) -> [Record] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        return try Self.records(in: Array(data))
    }

    /// Checks the chain of the transcript `bytes` and returns its records.
    public static func records(in bytes: [UInt8]) throws(CeremonyError) -> [Record] {
        guard !bytes.isEmpty else { return [] }
        var records: [Record] = []
        var previous = genesis
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if line.isEmpty {
                // Only the final newline may leave an empty line.
                guard index == lines.count - 1 else { throw .malformedTranscript(line: number, "empty line") }
                continue
            }
            guard let record = Record(line: Array(line)) else { throw .malformedTranscript(line: number, "not a transcript record") }
            guard record.previous == previous else { throw .brokenChain(line: number) }
            records.append(record)
            previous = Hex.encode(SHA256.hash(data: Array(line)))
        }
        return records
    }

    /// The SHA-256 of the last line: what the next record will name as previous.
    public func headHash() -> String {
        Self.headHash(of: FileManager.default.contents(atPath: url.path) ?? Data())
    }

    static func headHash(of transcript: Data) -> String {
        guard let last = transcript.split(separator: UInt8(ascii: "\n")).last else { return genesis }
        return Hex.encode(SHA256.hash(data: Array(last)))
    }

    /// Appends a record for `step` by `holder`, which produced `metadata`, after checking the
    /// chain so far. The file is replaced atomically.
    @discardableResult
    public func append(step: String, holder: String, metadata: [UInt8], time: Date = Date()) throws(CeremonyError) -> Record {
        do {
            _ = try verify()
            let existing = FileManager.default.contents(atPath: url.path) ?? Data()
            let previous = Self.headHash(of: existing)
            let record = Record(
                step: step,
                holder: holder,
                metadataSHA256: Hex.encode(SHA256.hash(data: metadata)),
                time: time,
                previous: previous
            )
            let bytes = Self.appending(record, to: Array(existing))
            try AtomicFile.write(bytes, to: url)
            return record
        } catch {
            throw CeremonyError(error)
        }
    }

    /// `transcript` with `record` added as its last line.
    static func appending(_ record: Record, to transcript: [UInt8]) -> [UInt8] {
        var bytes = transcript
        if let last = bytes.last, last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        return bytes + record.line + [UInt8(ascii: "\n")]
    }

    /// The SHA-256 (hex) of one transcript line: what the record after it names as previous.
    static func hash(ofLine line: some Collection<UInt8>) -> String { Hex.encode(SHA256.hash(data: Array(line))) }
}

extension Transcript.Record {
    /// The record a transcript line holds, if it is a well-formed one and in canonical form
    /// (so that its hash and its signature cover the same bytes).
    init?(line: [UInt8]) {
        guard let object = try? JSONParser().parse(line).objectValue,
            let step = object["step"]?.stringValue, let holder = object["holder"]?.stringValue,
            let digest = object["metadata_sha256"]?.stringValue, let link = object["previous"]?.stringValue,
            let time = object["time"]?.stringValue.flatMap(MetadataDate.parse)
        else { return nil }
        var signature: Signature?
        if let value = object["signature"] {
            guard let fields = value.objectValue, let keyID = fields["keyid"]?.stringValue,
                let hex = fields["sig"]?.stringValue, let bytes = Hex.decode(hex)
            else { return nil }
            signature = Signature(keyID: keyID, value: bytes)
        }
        let known: Set<String> = ["step", "holder", "metadata_sha256", "previous", "time", "signature"]
        guard object.names.allSatisfy(known.contains) else { return nil }
        self.init(step: step, holder: holder, metadataSHA256: digest, time: time, previous: link, signature: signature)
        guard self.line == line else { return nil }
    }
}
