import Foundation
import Plumbing
import TUF
import TUFClient

/// Why a ceremony, repository or key step stopped: the kind of failure, what was wrong, and the
/// file or token it concerns when there is one. A step stops at its first failure.
///
/// The kind is what a caller acts on (the command line maps each to one exit code); the reason
/// is one line for people, ending where it can with what to run about it.
public struct CeremonyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure stopped the step.
    public enum Kind: String, Sendable, CaseIterable {
        /// A file, folder or earlier step the step needs is not there.
        case missing
        /// A file is not what it should be: metadata, configuration, a key file, a target file.
        case malformed
        /// The workspace's record does not hold together: an altered transcript or journal,
        /// files that differ from what was recorded, published roots with a gap.
        case tampered
        /// The step would break a rule: too few signatures, a key outside its role, a rollback,
        /// a dropped or expired role, metadata a client would refuse.
        case refused
        /// A link, or something other than a plain file or folder, stands where a file of the
        /// workspace or repository is read or written.
        case unsafePath
        /// The step would overwrite or adopt files that are already there.
        case conflict
        /// A passphrase or PIN was refused, or the token is locked.
        case wrongSecret
        /// A PKCS#11 module, token or key cannot be used.
        case token
        /// The disk failed a read or write.
        case storage
    }

    /// What kind of failure it is.
    public let kind: Kind
    /// What was wrong, as one line for people.
    public let reason: String
    /// The file or folder the failure concerns, when the reason does not name it and it is not
    /// simply the workspace or repository the step works on: a caller that names the place it
    /// worked on adds it only when this is nil.
    public let location: String?

    /// A failure of `kind`, about `location` when given.
    public init(_ kind: Kind, _ reason: String, at location: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.location = location
    }

    /// The failure as one line: the location, then the reason.
    public var description: String { location.map { "\($0): \(reason)" } ?? reason }
}

// MARK: - Errors of the modules below

extension CeremonyError {
    /// `error`, met by a ceremony or repository step, as a ceremony failure: a failure of the
    /// ceremony's own stays as it is; the plumbing's and the TUF modules' take the kind their
    /// cause has.
    public init(_ error: any Error) {
        switch error {
        case let error as CeremonyError: self = error
        case let error as StorageError: self.init(.storage, error.reason, at: error.path)
        case let error as ConfinedDirectory.Error: self.init(error)
        case let error as MetadataError: self.init(.malformed, error.description)
        case .storage(let path, let reason) as UpdateError: self.init(.storage, reason, at: path)
        case let error as UpdateError: self = .clientWouldRefuse(error)
        default: self.init(.refused, "\(error)")
        }
    }

    /// A path that could not be read or written safely: a link or special file is refused, a
    /// file too large is malformed, anything else is the disk's.
    public init(_ error: ConfinedDirectory.Error) {
        switch error.kind {
        case .system: self.init(.storage, error.description)
        case .tooLarge: self.init(.malformed, error.description)
        case .unsafePath, .symbolicLink, .notRegularFile: self.init(.unsafePath, error.description)
        }
    }
}

// MARK: - Workspace

extension CeremonyError {
    /// A file the workspace needs is missing or unreadable.
    package static func missingFile(_ path: String) -> Self {
        Self(.missing, "\(path): missing or unreadable: check the path, or take a copy whose `trustroot ceremony verify` passed")
    }

    /// A file is not valid metadata or configuration.
    package static func invalid(_ path: String, _ error: MetadataError) -> Self {
        Self(.malformed, "\(path): \(error)")
    }

    /// The folder holds no ceremony transcript.
    package static func notWorkspace(_ path: String) -> Self {
        Self(
            .missing,
            "not a ceremony workspace (no transcript.jsonl): check the path, or create one with `trustroot ceremony init`",
            at: path
        )
    }

    /// The folder for a new workspace is not empty.
    package static func notEmpty(_ path: String) -> Self {
        Self(.conflict, "not empty; a new workspace needs an empty folder", at: path)
    }

    /// The folder to adopt as a workspace already is one.
    package static func alreadyWorkspace(_ path: String) -> Self {
        Self(.conflict, "already has a transcript: it is a workspace", at: path)
    }

    /// A proposal that already has signatures would be thrown away.
    package static let signedProposalPending = Self(
        .refused,
        "the pending proposal already has signatures; publish it, or propose again with --replace to discard them"
    )

    /// Publishing would give clients metadata without enough signatures.
    package static func incomplete(_ roles: [String]) -> Self {
        Self(.refused, "not enough signatures: \(roles.joined(separator: "; ")): `trustroot ceremony status` names who is still to sign")
    }

    /// The workspace's files, journal or transcript disagree: something was altered.
    package static func altered(_ reason: String) -> Self { Self(.tampered, reason) }

    /// A step would change a path that is not one of the ceremony's files.
    package static func unmanagedPath(_ path: String) -> Self {
        Self(.refused, "refusing to change \(path): not a file the ceremony manages")
    }

    /// A transcript step that must name its signer does not.
    package static let unsignedSignStep = Self(.malformed, "a sign step must carry the signer's signature")
}

// MARK: - Transcript

extension CeremonyError {
    /// A transcript line is not a well-formed record.
    package static func malformedTranscript(line: Int, _ reason: String) -> Self {
        Self(.tampered, "transcript line \(line): \(reason)")
    }

    /// A transcript line does not name the hash of the line before it: something before it changed.
    package static func brokenChain(line: Int) -> Self {
        Self(.tampered, "transcript line \(line) does not follow from the line before it: the transcript was altered")
    }
}

// MARK: - Proposals

extension CeremonyError {
    /// The key signs none of the proposed roles.
    package static func keyInNoRole(_ keyID: String) -> Self {
        Self(
            .refused,
            "key \(keyID) is not a key of any role this proposal asks signatures for: `trustroot ceremony status` lists who is to sign"
        )
    }

    /// There is nothing to sign.
    package static let nothingProposed = Self(.missing, "nothing is proposed: run `trustroot ceremony propose` first")

    /// The signer's key is in neither the proposed nor the previous root.
    package static func keyNotInRoot(_ keyID: String) -> Self {
        Self(
            .refused,
            "key \(keyID) is not a root key of the proposed or the previous root: `trustroot ceremony status` lists the keys that sign"
        )
    }

    /// The proposal is not the version after the previous root.
    package static func notTheNextVersion(previous: Int, proposed: Int) -> Self {
        Self(
            .refused,
            "the proposal is version \(proposed), but the published root is version \(previous): propose again with `trustroot ceremony propose`"
        )
    }
}

// MARK: - Publishing

extension CeremonyError {
    /// No root to publish.
    package static let noRoot = Self(.missing, "publish refused: nothing to publish: no root: run `trustroot ceremony propose` first")

    /// A client starting from root `from` would not reach the newest root.
    package static func rootChainBroken(from: Int, _ error: UpdateError) -> Self {
        Self(.refused, "publish refused: a client trusting root v\(from) would stop: \(error)")
    }

    /// The metadata below the root would not be accepted.
    package static func publishWouldBeRefused(_ error: UpdateError) -> Self {
        Self(.refused, "publish refused: a client would refuse the repository: \(error)")
    }

    /// A target listed in targets metadata has no file, or its file does not match.
    package static func targetFile(_ path: String, _ reason: String) -> Self {
        Self(.malformed, "target \(path): \(reason)")
    }

    /// The repository already serves a newer or different version of a role: clients that have
    /// it would refuse what would be published as a rollback.
    package static func olderThanPublished(role: String, published: Int, proposed: Int) -> Self {
        Self(
            .refused,
            "publish refused: the repository already serves \(role) v\(published); publishing v\(proposed) would look like a rollback to clients (were targets changed with `trustroot repo`? bring the ceremony's configuration up to date and propose again)"
        )
    }

    /// The repository serves a role that would no longer be listed.
    package static func roleDropped(_ role: String) -> Self {
        Self(
            .refused,
            "publish refused: the repository serves the role \(role), which would no longer be listed: clients refuse a snapshot that drops a role; keep it in the configuration's delegations and propose again"
        )
    }

    /// The online key is not a key of the role it would sign.
    package static func notOnlineKey(role: String, keyID: String) -> Self {
        Self(
            .refused,
            "publish refused: the online key \(keyID) is not a \(role) key of the newest root: give the key the configuration names as online_key"
        )
    }
}

// MARK: - The online repository

extension CeremonyError {
    /// A file of the published repository is missing.
    package static func missingFromRepository(_ path: String) -> Self {
        Self(.missing, "missing: give the folder `trustroot ceremony publish --out` wrote (metadata/ and targets/)", at: path)
    }

    /// The repository would not be accepted by a client (expiry aside).
    package static func clientWouldRefuse(_ error: UpdateError) -> Self {
        Self(.refused, "a client would refuse the repository: \(error)\(renewalAdvice(error))")
    }

    /// Not enough of the role's keys signed the change.
    package static func thresholdNotMet(role: String, summary: String) -> Self {
        Self(.refused, "\(role): \(summary): give more of the role's keys with --key or --pkcs11")
    }

    /// No role of that name is delegated.
    package static func noSuchRole(_ role: String) -> Self {
        Self(.missing, "no targets role \(role): `trustroot repo check REPO` lists the roles")
    }

    /// The target path is not listed.
    package static func noSuchTarget(_ path: String) -> Self {
        Self(.missing, "no target \(path): `trustroot metadata show` on the role's metadata lists its targets")
    }

    /// A role of that name exists already.
    package static func roleExists(_ role: String) -> Self {
        Self(.refused, "a role named \(role) exists already, or the name is reserved: choose another name")
    }

    /// A role the change needs has expired and must be renewed by its signers first.
    package static func expired(role: String) -> Self {
        Self(
            .refused,
            "\(role) has expired: its holders must renew it in a ceremony first (`trustroot ceremony propose WORKSPACE --targets`)"
        )
    }

    /// What renews the role a client refused as expired.
    private static func renewalAdvice(_ error: UpdateError) -> String {
        guard case .expired(let role, _) = error else { return "" }
        switch role {
        case "timestamp": return ": run `trustroot repo timestamp REPO --online-key KEY`"
        case "snapshot": return ": run `trustroot repo snapshot REPO --online-key KEY` (it signs a new timestamp too)"
        case "root": return ": its holders must renew it in a ceremony (`trustroot ceremony propose WORKSPACE --root`)"
        default: return ": its holders must renew it in a ceremony (`trustroot ceremony propose WORKSPACE --targets`)"
        }
    }
}

// MARK: - Key files and tokens

extension CeremonyError {
    /// The file is not an encrypted PKCS#8 key (PEM `ENCRYPTED PRIVATE KEY`).
    package static func notAnEncryptedKey(_ reason: String) -> Self { Self(.malformed, "not an encrypted private key: \(reason)") }

    /// The key is encrypted with a scheme other than PBES2 with scrypt or PBKDF2-SHA256 and AES-256-CBC.
    package static func unsupportedKeyEncryption(_ scheme: String) -> Self { Self(.malformed, "unsupported key encryption: \(scheme)") }

    /// The passphrase is wrong, or the file was altered.
    public static let wrongPassphrase = Self(.wrongSecret, "wrong passphrase, or the key file was altered")

    /// The key derivation parameters are outside the accepted bounds.
    package static func unreasonableParameters(_ reason: String) -> Self {
        Self(.malformed, "key derivation parameters refused: \(reason)")
    }

    /// The PKCS#11 module file could not be loaded.
    package static func moduleNotLoadable(path: String, reason: String) -> Self {
        Self(.missing, "cannot load PKCS#11 module \(path): \(reason)")
    }

    /// No token matched the label or serial asked for.
    package static func tokenNotFound(_ what: String) -> Self { Self(.token, "no PKCS#11 token \(what)") }

    /// The token refused the PIN.
    public static let wrongPIN = Self(.wrongSecret, "the token refused the PIN")

    /// The token's PIN is locked after too many wrong attempts.
    package static let pinLocked = Self(.wrongSecret, "the token's PIN is locked")

    /// No key on the token matched the id or label asked for.
    package static func keyNotFound(_ what: String) -> Self { Self(.token, "no key \(what) on the token") }

    /// The token's key is of a type or curve this library does not sign with.
    package static func unsupportedTokenKey(_ what: String) -> Self { Self(.token, "unsupported token key: \(what)") }

    /// The token returned a signature that does not verify with its own public key.
    package static let badTokenSignature = Self(.refused, "the token's signature does not verify with its public key")

    /// A PKCS#11 call failed with this return value.
    package static func tokenCall(_ name: String, returnValue: UInt) -> Self {
        Self(.token, "\(name) failed with CKR 0x\(String(returnValue, radix: 16))")
    }
}
