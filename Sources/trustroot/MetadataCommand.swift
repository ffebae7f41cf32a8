import ArgumentParser
import Crypto
import Foundation
import Logging
import TUF

/// `trustroot metadata`: look at and check TUF metadata files.
struct MetadataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metadata",
        abstract: "Inspect TUF metadata files and check their signatures.",
        subcommands: [Show.self, Verify.self, Canonical.self]
    )

    /// `trustroot metadata show FILE`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Summarize a metadata file: type, version, expiry, keys, roles, targets."
        )

        @Argument(help: "The metadata file (root.json, N.root.json, timestamp.json and so on).")
        var file: String

        @Flag(help: "Print the summary as JSON.")
        var json = false

        func run() throws {
            let document = try AnyMetadata(path: file)
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(document.summary))
            } else {
                print(document.summaryText, terminator: "")
            }
        }
    }

    /// `trustroot metadata verify FILE --root ROOT`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract:
                "Check a metadata file's signatures against the keys and threshold its delegator sets.",
            discussion: """
                A top-level role is checked against --root. A delegated role is checked against the \
                targets metadata that delegates to it (--delegator), whose name is given with --role. \
                Exits 1 when the threshold is not met.
                """
        )

        @Argument(help: "The metadata file to check.")
        var file: String

        @Option(help: "The trusted root metadata whose keys to use.")
        var root: String

        @Option(help: "The role name (defaults to the file's _type, for top-level roles).")
        var role: String?

        @Option(help: "For a delegated role: the targets metadata that delegates to it.")
        var delegator: String?

        @Flag(help: "Print the outcome as JSON.")
        var json = false

        func run() throws {
            let rootDocument = try AnyMetadata(path: root)
            guard case .root(let rootMetadata) = rootDocument else {
                throw CLIError(
                    message: "\(root): is \(rootDocument.type) metadata, not root",
                    code: .invalidData
                )
            }
            let document = try AnyMetadata(path: file)
            let roleName = role ?? document.type
            let verification: ThresholdVerification
            do {
                if let delegator {
                    guard case .targets(let parent) = try AnyMetadata(path: delegator) else {
                        throw CLIError(message: "\(delegator): is not targets metadata", code: .invalidData)
                    }
                    verification = try document.verify(roleName, with: parent.signed)
                } else {
                    verification = try document.verify(roleName, with: rootMetadata.signed)
                }
            } catch let error as MetadataError {
                throw CLIError(message: "\(file): \(error)", code: .verificationFailed)
            }
            if json {
                var object = JSONObject()
                object["role"] = .string(verification.role)
                object["threshold"] = .integer(Int64(verification.threshold))
                object["satisfied"] = .bool(verification.isSatisfied)
                object["keys"] = .array(
                    verification.outcomes.map {
                        ["keyid": .string($0.keyID), "outcome": .string(Self.describe($0.outcome))]
                    }
                )
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
            } else {
                for (keyID, outcome) in verification.outcomes {
                    print("\(keyID)  \(Self.describe(outcome))")
                }
                print(verification)
            }
            if document.isExpired(at: Date()) {
                Logger(label: "trustroot").warning(
                    "\(file): expired on \(MetadataDate.format(document.expires))"
                )
            }
            guard verification.isSatisfied else {
                throw CLIError(message: "\(file): \(verification)", code: .verificationFailed)
            }
        }

        static func describe(_ outcome: ThresholdVerification.KeyOutcome) -> String {
            switch outcome {
            case .signed: return "signed"
            case .duplicateKey(let other): return "signed, but the same key as \(other)"
            case .noSignature: return "no signature"
            case .invalidSignature: return "invalid signature"
            case .unknownKey: return "key not listed"
            case .unsupportedKey: return "unsupported key type or scheme"
            }
        }
    }

    /// `trustroot metadata canonical FILE`.
    struct Canonical: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "canonical",
            abstract:
                "Print the canonical JSON of a metadata file's signed object: the bytes its signatures cover."
        )

        @Argument(help: "The metadata file.")
        var file: String

        @Flag(help: "Print the SHA-256 of the canonical bytes instead of the bytes.")
        var sha256 = false

        func run() throws {
            let bytes = try AnyMetadata(path: file).signedBytes
            if sha256 {
                print(Hex.encode(SHA256.hash(data: bytes)))
            } else {
                FileHandleOutput.standardOutput.write(bytes)
            }
        }
    }
}
