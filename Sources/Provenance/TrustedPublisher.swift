import Sigstore

/// A PyPI Trusted Publisher: the CI identity a project lets publish, as the policy its
/// attestations must meet. The checks are those PyPI and `pypi-attestations` make: the
/// certificate's issuer, its source repository, and its build configuration, which must be the
/// publisher's workflow at the commit or ref the certificate itself names.
public enum TrustedPublisher: Sendable, Equatable, CustomStringConvertible {
    /// GitHub Actions: `ORG/REPO`, and the workflow file name (`release.yml`); any workflow of the
    /// repository when nil.
    case gitHub(repository: String, workflow: String?)
    /// GitLab CI/CD: `NAMESPACE/PROJECT` (groups may nest), and the CI configuration's path
    /// (`.gitlab-ci.yml`); any path when nil.
    case gitLab(repository: String, workflowPath: String?)
    /// Google Cloud: the service account's email address.
    case google(email: String)

    /// Fulcio's build config URI extension.
    static let buildConfigURI = 18
    /// Fulcio's source repository URI, digest and ref extensions.
    static let sourceRepositoryURI = 12
    static let sourceRepositoryDigest = 13
    static let sourceRepositoryRef = 14

    /// The OIDC issuer the publisher's certificates must name.
    public var issuer: String {
        switch self {
        case .gitHub: return "https://token.actions.githubusercontent.com"
        case .gitLab: return "https://gitlab.com"
        case .google: return "https://accounts.google.com"
        }
    }

    /// The signer identity (subject alternative name) required: the account for Google, any
    /// for the CI publishers, whose identity is their extensions.
    public var identity: IdentityPolicy.Match {
        switch self {
        case .google(let email): return .exact(email)
        case .gitHub, .gitLab: return .regularExpression(".*")
        }
    }

    /// The publisher in a line.
    public var description: String {
        switch self {
        case .gitHub(let repository, let workflow): return "GitHub \(repository)" + (workflow.map { " workflow \($0)" } ?? "")
        case .gitLab(let repository, let path): return "GitLab \(repository)" + (path.map { " configuration \($0)" } ?? "")
        case .google(let email): return "Google \(email)"
        }
    }

    /// Whether `repository` is a repository slug this publisher kind takes: `ORG/REPO` on
    /// GitHub, `GROUP[/SUBGROUP…]/PROJECT` on GitLab, of letters, digits, `.`, `-` and `_`.
    public static func isValidRepository(_ repository: String, nested: Bool) -> Bool {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard nested ? parts.count >= 2 : parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
                }
        }
    }

    /// What in `certificate` does not meet the publisher; empty when it does. The issuer and,
    /// for Google, the account are the verifier's identity policy's to check.
    public func mismatches(_ certificate: FulcioCertificate) -> [String] {
        switch self {
        case .google: return []
        case .gitHub(let repository, let workflow):
            return Self.ciMismatches(
                certificate,
                repositoryURI: "https://github.com/\(repository)",
                configurationPrefix: "https://github.com/\(repository)/.github/workflows/",
                configuration: workflow,
                allowsSlash: false
            )
        case .gitLab(let repository, let path):
            return Self.ciMismatches(
                certificate,
                repositoryURI: "https://gitlab.com/\(repository)",
                configurationPrefix: "https://gitlab.com/\(repository)//",
                configuration: path,
                allowsSlash: true
            )
        }
    }

    /// The source repository must be the publisher's, and the build configuration its
    /// workflow (or, unnamed, any of its workflows) at the commit or the ref the certificate
    /// records: the publisher does not know which commit it ran on, the certificate does.
    static func ciMismatches(
        _ certificate: FulcioCertificate,
        repositoryURI: String,
        configurationPrefix: String,
        configuration: String?,
        allowsSlash: Bool
    ) -> [String] {
        var mismatches: [String] = []
        let repository = certificate.claim(sourceRepositoryURI)
        if repository != repositoryURI {
            mismatches.append("the source repository is \(repository ?? "not named"), not \(repositoryURI)")
        }
        let suffixes = [certificate.claim(sourceRepositoryDigest), certificate.claim(sourceRepositoryRef)].compactMap { $0 }
        guard let buildConfiguration = certificate.claim(buildConfigURI) else {
            return mismatches + ["the certificate names no build configuration (Fulcio extension 1.3.6.1.4.1.57264.1.18)"]
        }
        guard !suffixes.isEmpty else {
            return mismatches + ["the certificate names neither the source commit nor the ref its build configuration is at"]
        }
        let matches = suffixes.contains { suffix in
            if let configuration { return buildConfiguration == configurationPrefix + configuration + "@" + suffix }
            guard buildConfiguration.hasPrefix(configurationPrefix), buildConfiguration.hasSuffix("@" + suffix) else { return false }
            let file = buildConfiguration.dropFirst(configurationPrefix.count).dropLast(suffix.count + 1)
            return !file.isEmpty && !file.contains("@") && (allowsSlash || !file.contains("/"))
        }
        if !matches {
            let wanted = configuration.map { configurationPrefix + $0 } ?? configurationPrefix + "…"
            mismatches.append("the build configuration is \(buildConfiguration), not \(wanted) at the certificate's commit or ref")
        }
        return mismatches
    }
}
