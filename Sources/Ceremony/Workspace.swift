import Crypto
import Foundation
import TUF
import TUFClient

/// A ceremony workspace: the folder key holders carry between air-gapped machines.
///
/// - `published/N.root.json`: every root version published so far;
/// - `proposal/root.json`: the next root version, collecting signatures;
/// - `transcript.jsonl`: the hash-chained record of every step (``Transcript``).
public struct Workspace: Sendable {
    /// The folder.
    public let directory: URL

    /// Why a workspace cannot be used.
    public enum Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        /// A file the workspace needs is missing or unreadable.
        case missing(String)
        /// A file is not valid metadata.
        case invalid(String, MetadataError)
        /// The published roots do not form versions 1…N, or a file differs from what the
        /// transcript recorded.
        case gap(String)

        /// The error as one line for people.
        public var description: String {
            switch self {
            case .missing(let path): return "\(path): missing or unreadable"
            case .invalid(let path, let error): return "\(path): \(error)"
            case .gap(let reason): return reason
            }
        }
    }

    /// The workspace in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    var proposalURL: URL { directory.appendingPathComponent("proposal/root.json") }
    var publishedURL: URL { directory.appendingPathComponent("published") }

    /// The record of the ceremony.
    public var transcript: Transcript { Transcript(url: directory.appendingPathComponent("transcript.jsonl")) }

    /// Every published root, oldest first; they must be versions 1 to N with no gap.
    public func publishedRoots() throws(Error) -> [Metadata<Root>] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: publishedURL.path)) ?? []
        let versions = names.compactMap { name -> Int? in
            guard name.hasSuffix(".root.json") else { return nil }
            return Int(name.dropLast(".root.json".count))
        }.sorted()
        guard versions == Array(0..<versions.count).map({ $0 + 1 }) else {
            throw .gap("published roots are versions \(versions), not 1 to \(versions.count)")
        }
        var roots: [Metadata<Root>] = []
        for version in versions {
            let path = publishedURL.appendingPathComponent("\(version).root.json").path
            roots.append(try read(path))
        }
        return roots
    }

    /// The proposal with the newest published root as its predecessor.
    public func proposal() throws -> RootProposal {
        try RootProposal(previous: try publishedRoots().last?.signed, metadata: try read(proposalURL.path))
    }

    /// Writes the proposal atomically and records `step` by `holder` in the transcript.
    public func save(_ proposal: RootProposal, step: String, holder: String) throws {
        let bytes = proposal.metadata.encoded()
        try FileManager.default.createDirectory(at: proposalURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        // The transcript is checked before the proposal changes, so a tampered record stops the step.
        try transcript.verify()
        try AtomicFile.write(bytes, to: proposalURL)
        try transcript.append(step: step, holder: holder, metadata: bytes)
    }

    /// Checks the transcript chain and that the proposal is the one its last step produced, so a
    /// proposal edited by hand between steps is caught.
    ///
    /// - Returns: the transcript's records.
    @discardableResult
    public func verifyRecord() throws -> [Transcript.Record] {
        let records = try transcript.verify()
        guard let last = records.last else { return records }
        guard let bytes = FileManager.default.contents(atPath: proposalURL.path) else { throw Error.missing(proposalURL.path) }
        guard Hex.encode(SHA256.hash(data: bytes)) == last.metadataSHA256 else {
            throw Error.gap(
                "proposal/root.json is not what the last recorded step (\(last.step) by \(last.holder)) produced: it was changed outside the ceremony"
            )
        }
        return records
    }

    private func read<Signed: RoleMetadata>(_ path: String) throws(Error) -> Metadata<Signed> {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missing(path) }
        do {
            return try Metadata<Signed>(bytes: Array(data))
        } catch {
            throw .invalid(path, error)
        }
    }
}
