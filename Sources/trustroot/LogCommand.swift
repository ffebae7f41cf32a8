import ArgumentParser
import Foundation
import LogMonitor
import Plumbing
import Sigstore
import TUF
import TransparencyLog
import X509

/// `trustroot log`: read a transparency log, every answer verified against the trusted root.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read a transparency log: its checkpoint, an entry, a consistency proof, a search.",
        subcommands: [Info.self, Get.self, Consistency.self, Search.self]
    )

    /// `trustroot log info`.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the log's current checkpoint, verified.")

        @OptionGroup var log: LogOptions

        @Flag(help: "Print the checkpoint as JSON.")
        var json = false

        func run() async throws {
            let (source, _) = try await log.log()
            let checkpoint = try await CLIError.mapping { () async throws(LogError) in try await source.latestCheckpoint() }
            _ = try await CLIError.mapping { () async throws(LogError) in try await source.view(at: checkpoint) }
            let witnesses = ((source as? TiledLog).flatMap { try? $0.witnesses?.check(checkpoint.note) }) ?? []
            if json {
                var object = JSONObject()
                object["origin"] = .string(checkpoint.origin)
                object["tree_size"] = .integer(checkpoint.treeSize)
                object["root_hash"] = .string(Hex.encode(checkpoint.rootHash))
                object["witnesses"] = .array(witnesses.map(JSONValue.string))
                object["checkpoint"] = .string(String(decoding: checkpoint.note.bytes, as: UTF8.self))
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
            } else {
                var text =
                    "origin: \(checkpoint.origin)\ntree size: \(checkpoint.treeSize)\nroot hash: \(Hex.encode(checkpoint.rootHash))\n"
                if !witnesses.isEmpty { text += "cosigned by: \(witnesses.joined(separator: ", "))\n" }
                FileHandleOutput.standardOutput.write(text)
            }
        }
    }

    /// `trustroot log get`.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an entry, proved included in the log's verified checkpoint, and the certificate it carries."
        )

        @OptionGroup var log: LogOptions

        @Option(help: "The entry's index (on a sharded Rekor v1 log, counting the entries of earlier shards, as rekor-cli does).")
        var index: Int64?

        @Option(help: "The entry's UUID, on Rekor v1 (instead of --index).")
        var uuid: String?

        @Option(help: "Write the entry's certificate here (PEM).")
        var certificateOut: String?

        @Flag(help: "Print the entry as JSON.")
        var json = false

        func validate() throws {
            guard (index == nil) != (uuid == nil) else { throw ValidationError("give --index or --uuid") }
            if let uuid, uuid.isEmpty || uuid.count > 80 || !uuid.allSatisfy(\.isHexDigit) {
                throw ValidationError("--uuid is an entry UUID: up to 80 hex digits")
            }
        }

        func run() async throws {
            let (source, _) = try await log.log()
            guard uuid == nil || source is RekorV1Log else {
                throw CLIError(message: "--uuid names entries of a Rekor v1 log; \(log.logURL) is not read as one", code: .usage)
            }
            let checkpoint = try await CLIError.mapping { () async throws(LogError) in try await source.latestCheckpoint() }
            let view: any LogView = try await CLIError.mapping { () async throws(LogError) in try await source.view(at: checkpoint) }
            let (entry, proof) = try await CLIError.mapping { () async throws(LogError) in
                if let rekor = view as? RekorV1View {
                    if let uuid { return try await rekor.entry(uuid: uuid) }
                    return try await rekor.entry(logIndex: index ?? 0)
                }
                return try await view.entry(at: index ?? 0)
            }
            if entry.body.first == 0 {
                try printCT(entry, proof: proof, checkpoint: checkpoint)
                return
            }
            let content: LogEntryContent
            do {
                content = try LogEntryContent(body: entry.body)
            } catch {
                throw CLIError(message: "entry \(entry.logIndex): \(error)", code: .invalidData)
            }
            let certificates = content.signers.compactMap { signer -> Certificate? in
                guard case .certificate(let der) = signer else { return nil }
                return try? Certificate(derEncoded: der)
            }
            if let certificateOut {
                guard let first = certificates.first else {
                    throw CLIError(message: "entry \(entry.logIndex) carries no certificate to write", code: .noInput)
                }
                let pem = PEM.encode(label: "CERTIFICATE", der: BundleVerifier.der(first))
                do {
                    try AtomicFile.write(Array(pem.utf8), to: URL(fileURLWithPath: certificateOut))
                } catch {
                    throw CLIError(message: error.description, code: .ioError)
                }
            }
            if json {
                var object = JSONObject()
                object["log_index"] = .integer(entry.logIndex)
                object["kind"] = .string(content.kind)
                object["api_version"] = .string(content.apiVersion)
                object["digest"] = content.digest.map { .string("\($0.algorithm):\(Hex.encode($0.value))") } ?? .null
                object["body"] = .string(String(decoding: Base64.encode(entry.body), as: UTF8.self))
                var inclusion = JSONObject()
                inclusion["log_index"] = .integer(entry.index)
                inclusion["tree_size"] = .integer(checkpoint.treeSize)
                inclusion["root_hash"] = .string(Hex.encode(checkpoint.rootHash))
                inclusion["hashes"] = .array(proof.map { .string(Hex.encode($0)) })
                object["inclusion_proof"] = .object(inclusion)
                object["certificates"] = .array(certificates.map { InspectCommand.json($0) })
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
            } else {
                var text = "entry \(entry.logIndex) of \(checkpoint.origin), included in the checkpoint of size \(checkpoint.treeSize)\n"
                text += "kind: \(content.kind) \(content.apiVersion)\n"
                if let digest = content.digest { text += "digest: \(digest.algorithm):\(Hex.encode(digest.value))\n" }
                for signer in content.signers {
                    if case .publicKey(let der) = signer { text += "public key: SHA-256 \(MonitorPolicy.fingerprint(der))\n" }
                }
                for certificate in certificates { text += "certificate:\n" + InspectCommand.describe(certificate, indent: "  ") }
                FileHandleOutput.standardOutput.write(text)
            }
        }

        /// Prints a CT log entry: its timestamp and the certificate, or the precertificate
        /// the log keeps beside the covered TBSCertificate (checked to be it).
        func printCT(_ entry: LoggedEntry, proof: [[UInt8]], checkpoint: Checkpoint) throws {
            guard let logged = CTEntryCertificate(entry) else {
                throw CLIError(
                    message: "entry \(entry.logIndex) is not a CT entry with a readable certificate or precertificate",
                    code: .invalidData
                )
            }
            if let certificateOut {
                let pem = PEM.encode(label: "CERTIFICATE", der: logged.issuedDER)
                do {
                    try AtomicFile.write(Array(pem.utf8), to: URL(fileURLWithPath: certificateOut))
                } catch {
                    throw CLIError(message: error.description, code: .ioError)
                }
            }
            let kind = logged.isPrecertificate ? "precertificate" : "certificate"
            if json {
                var object = JSONObject()
                object["log_index"] = .integer(entry.logIndex)
                object["kind"] = .string(kind)
                object["timestamp"] = entry.integratedTime.map(JSONValue.integer) ?? .null
                var inclusion = JSONObject()
                inclusion["log_index"] = .integer(entry.index)
                inclusion["tree_size"] = .integer(checkpoint.treeSize)
                inclusion["root_hash"] = .string(Hex.encode(checkpoint.rootHash))
                inclusion["hashes"] = .array(proof.map { .string(Hex.encode($0)) })
                object["inclusion_proof"] = .object(inclusion)
                object["certificates"] = .array([InspectCommand.json(logged.issued)])
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
            } else {
                var text = "entry \(entry.logIndex) of \(checkpoint.origin), included in the tree head of size \(checkpoint.treeSize)\n"
                text += "kind: CT \(kind)\n"
                if let time = entry.integratedTime { text += "logged: \(MetadataDate.format(Date(timeIntervalSince1970: Double(time))))\n" }
                text += "\(kind):\n" + InspectCommand.describe(logged.issued, indent: "  ")
                FileHandleOutput.standardOutput.write(text)
            }
        }
    }

    /// `trustroot log consistency`.
    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the log's current checkpoint extends a checkpoint kept earlier.",
            discussion: "Exits 0 when it does, 1 when the log forked or rolled back."
        )

        @OptionGroup var log: LogOptions

        @Option(help: "The earlier checkpoint, as the log served it.")
        var fromCheckpoint: String

        func run() async throws {
            let (source, _) = try await log.log()
            let earlier: Checkpoint
            do {
                earlier = try Checkpoint(try readFile(fromCheckpoint, limit: 1 << 16))
                try source.verify(earlier, location: nil)
            } catch let error as LogError {
                throw CLIError(message: "\(fromCheckpoint): \(error)", code: .invalidData)
            }
            let current = try await CLIError.mapping { () async throws(LogError) in try await source.latestCheckpoint() }
            let view: any LogView = try await CLIError.mapping { () async throws(LogError) in try await source.view(at: current) }
            guard earlier.origin == current.origin else {
                throw CLIError(
                    message: "the log's origin is \(current.origin), the checkpoint's \(earlier.origin)",
                    code: .verificationFailed
                )
            }
            guard current.treeSize >= earlier.treeSize else {
                throw CLIError(
                    message: "the log rolled back: its size is \(current.treeSize), the checkpoint's \(earlier.treeSize)",
                    code: .verificationFailed
                )
            }
            let proof = try await CLIError.mapping { () async throws(LogError) in try await view.consistencyProof(from: earlier.treeSize) }
            guard
                MerkleConsistency.verify(
                    firstSize: earlier.treeSize,
                    firstRoot: earlier.rootHash,
                    secondSize: current.treeSize,
                    secondRoot: current.rootHash,
                    proof: proof
                )
            else {
                throw CLIError(
                    message: "the log's tree of size \(current.treeSize) does not extend the checkpoint's tree of size \(earlier.treeSize)",
                    code: .verificationFailed
                )
            }
            FileHandleOutput.standardOutput.write(
                "consistent: \(current.origin) grew from \(earlier.treeSize) to \(current.treeSize) entries (proof of \(proof.count) hashes)\n"
            )
        }
    }

    /// `trustroot log search`.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find entries by artifact digest, identity or key: through Rekor v1's search API, or in a monitor's index.",
            discussion: """
                With --state, the index a `trustroot monitor` state keeps answers, without asking the log: a tiled log \
                (Rekor v2) has no search API. Without it, a Rekor v1 log's search index answers and every entry it names is \
                read and proved included in the log's verified checkpoint.
                """
        )

        @OptionGroup var log: LogOptions

        @Option(help: "The monitor's state folder, whose index answers the search.")
        var state: String?

        @Option(help: "The artifact's SHA-256 digest (hex).")
        var sha256: String?

        @Option(help: "An email address in the signing certificate (with --state, any SAN identity).")
        var email: String?

        @Option(help: "An identity (a SAN) in the signing certificate; with --state only.")
        var identity: String?

        @Option(help: "A public key or certificate (PEM or DER) to look for.")
        var publicKey: String?

        @Option(help: "The most entries to read from a Rekor v1 search.")
        var limit: Int = 100

        @Flag(help: "Print the matches as JSON lines.")
        var json = false

        func run() async throws {
            let queries = [sha256, email, identity, publicKey].compactMap { $0 }
            guard queries.count == 1 else {
                throw CLIError(message: "give one of --sha256, --email, --identity, --public-key", code: .usage)
            }
            if let sha256, Hex.decode(sha256)?.count != 32 {
                throw CLIError(message: "--sha256 \(sha256) is not a hex SHA-256 digest", code: .usage)
            }
            guard (1...1000).contains(limit) else { throw CLIError(message: "--limit is between 1 and 1000", code: .usage) }
            let key = try publicKey.map { try readFile($0, limit: 1 << 20) }
            let matches: [MonitorState.IndexedEntry]
            if let state {
                matches = try searchIndex(in: state, key: key)
            } else {
                matches = try await searchLog(key: key)
            }
            for match in matches {
                if json {
                    var object = JSONObject()
                    object["log_index"] = .integer(match.logIndex)
                    object["identity"] = match.identity.map(JSONValue.string) ?? .null
                    object["issuer"] = match.issuer.map(JSONValue.string) ?? .null
                    object["digest"] = match.digest.map(JSONValue.string) ?? .null
                    object["fingerprint"] = .string(match.fingerprint)
                    FileHandleOutput.standardOutput.write(((try? RFC8785.encode(.object(object))) ?? []) + [10])
                } else {
                    FileHandleOutput.standardOutput.write(
                        "\(match.logIndex) \(match.identity ?? "-") \(match.issuer ?? "-") \(match.digest ?? "-")\n"
                    )
                }
            }
        }

        /// The matches the monitor's index in `folder` holds.
        func searchIndex(in folder: String, key: [UInt8]?) throws -> [MonitorState.IndexedEntry] {
            let fingerprint = key.map { MonitorPolicy.fingerprint(PEM.decode($0)?.der ?? $0) }
            do {
                let monitorState = try MonitorState(folder: folder)
                return try monitorState.search(log: log.stateKey, identity: email ?? identity, digest: sha256, fingerprint: fingerprint)
            } catch {
                throw CLIError(error)
            }
        }

        /// The matches Rekor v1's search API names, each read and proved in the log.
        func searchLog(key: [UInt8]?) async throws -> [MonitorState.IndexedEntry] {
            guard identity == nil else { throw CLIError(message: "--identity searches a monitor's index: give --state", code: .usage) }
            let (source, _) = try await log.log()
            guard let rekor = source as? RekorV1Log else {
                throw CLIError(
                    message: "\(log.logURL) is a tiled log, which has no search API: search a monitor's index with --state",
                    code: .usage
                )
            }
            var pem: String?
            if let key {
                guard let decoded = PEM.decode(key) else {
                    throw CLIError(message: "--public-key \(publicKey ?? ""): Rekor's search takes a PEM key or certificate", code: .usage)
                }
                pem = PEM.encode(label: decoded.label, der: decoded.der)
            }
            let entries = try await CLIError.mapping { () async throws(LogError) in
                let checkpoint = try await rekor.latestCheckpoint()
                return try await rekor.search(
                    sha256: sha256.flatMap(Hex.decode),
                    email: email,
                    publicKeyPEM: pem,
                    under: checkpoint,
                    limit: limit
                )
            }
            return entries.flatMap(MonitorState.IndexedEntry.rows(of:))
        }
    }
}
