import Sigstore
import TUF
import X509

/// Checks the statements of a package version's npm attestations against its tarball, as
/// `npm audit signatures` does: exactly one subject, the version's package URL with the
/// tarball's SHA-512; for the publish attestation, a predicate that names the same package and
/// version.
public struct NPMPackageCheck: Sendable {
    /// The package's name (`left-pad`, `@scope/name`).
    public let name: String
    /// The version.
    public let version: String
    /// The tarball's SHA-512.
    public let digest: [UInt8]

    /// A check for version `version` of package `name`, whose tarball has SHA-512 `digest`.
    public init(name: String, version: String, digest: [UInt8]) {
        self.name = name
        self.version = version
        self.digest = digest
    }

    /// Splits `NAME@VERSION` (the name may be scoped, `@scope/name@1.0.0`); nil when either
    /// part is not one npm takes: names of lower-case letters, digits and `-._~` with at most
    /// one scope, versions of letters, digits and `.+-`.
    public static func parse(_ argument: String) -> (name: String, version: String)? {
        guard let at = argument.lastIndex(of: "@"), at != argument.startIndex else { return nil }
        let name = String(argument[..<at])
        let version = String(argument[argument.index(after: at)...])
        func isNamePart(_ part: Substring) -> Bool {
            !part.isEmpty && !part.hasPrefix(".") && !part.hasPrefix("_")
                && part.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-._~".unicodeScalars.contains($0)
                }
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let validName: Bool
        switch parts.count {
        case 1: validName = isNamePart(parts[0])
        case 2: validName = parts[0].hasPrefix("@") && isNamePart(parts[0].dropFirst()) && isNamePart(parts[1])
        default: validName = false
        }
        let validVersion =
            !version.isEmpty && version.count <= 256
            && version.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".+-".unicodeScalars.contains($0))
            }
        return validName && validVersion ? (name, version) : nil
    }

    /// The package URL npm's statements name the version by: `pkg:npm/NAME@VERSION`, a scope's
    /// `@` written `%40`.
    public var packageURL: String {
        "pkg:npm/" + (name.hasPrefix("@") ? "%40" + name.dropFirst() : name[...]) + "@" + version
    }

    /// Checks `statement` (a verified envelope's payload) whose document entry named
    /// `predicateType`; returns the statement's predicate.
    public func check(statement: [UInt8], predicateType: String) throws(ProvenanceError) -> JSONObject {
        guard case .object(let object)? = try? JSONParser().parse(statement), let type = object["predicateType"]?.stringValue,
            case .array(let subjects)? = object["subject"]
        else { throw ProvenanceError(["the statement has no subject and predicate type"]) }
        var mismatches: [String] = []
        if type != predicateType { mismatches.append("the statement's predicate type is \(type), the document's \(predicateType)") }
        if subjects.count != 1 {
            mismatches.append("the statement has \(subjects.count) subjects, not exactly one")
        } else {
            let subject = subjects[0].objectValue
            let named = subject?["name"]?.stringValue
            if named != packageURL { mismatches.append("the subject is \(named ?? "not named"), not \(packageURL)") }
            let hex = subject?["digest"]?.objectValue?["sha512"]?.stringValue
            if hex.flatMap(Hex.decode) != digest { mismatches.append("the subject's SHA-512 is not the tarball's") }
        }
        let predicate = object["predicate"]?.objectValue ?? JSONObject()
        if type == NPMAttestations.publishV01 {
            let predicateName = predicate["name"]?.stringValue
            let predicateVersion = predicate["version"]?.stringValue
            if predicateName != name || predicateVersion != version {
                mismatches.append(
                    "the publish attestation is for \(predicateName ?? "?")@\(predicateVersion ?? "?"), not \(name)@\(version)"
                )
            }
        }
        guard mismatches.isEmpty else { throw ProvenanceError(mismatches) }
        return predicate
    }
}
