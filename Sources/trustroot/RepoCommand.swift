import ArgumentParser
import Ceremony
import Foundation
import TUF
import TUFClient

/// `trustroot repo`: online maintenance of a published repository between ceremonies.
struct RepoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo",
        abstract: "Renew timestamp and snapshot, and change targets, in a published repository.",
        discussion: """
            Every command first checks the repository as a client would (expiry aside), and checks the result \
            the same way before writing; the timestamp is written last. Schedule `repo timestamp` well inside \
            the timestamp's lifetime.
            """,
        subcommands: [Check.self, Timestamp.self, Snapshot.self, AddTarget.self, RemoveTarget.self, Delegate.self]
    )

    struct RepositoryArgument: ParsableArguments {
        @Argument(help: "The repository folder (metadata/ and targets/).")
        var repository: String

        @Option(help: "The online key's encrypted key file.")
        var onlineKey: String?

        @Option(help: "The online key's token key record.")
        var onlinePkcs11: String?

        func validate() throws {
            guard (onlineKey == nil) != (onlinePkcs11 == nil) else {
                throw ValidationError("give exactly one of --online-key and --online-pkcs11")
            }
        }

        func load() throws -> OnlineRepository {
            try Self.load(repository)
        }

        static func load(_ repository: String) throws -> OnlineRepository {
            try step(repository) { try OnlineRepository(directory: URL(fileURLWithPath: repository)) }
        }

        func online() throws -> any Signer { try CeremonyCommand.loadSigner(key: onlineKey, pkcs11: onlinePkcs11) }

        func step<T>(_ body: () throws -> T) throws -> T {
            try Self.step(repository, body)
        }

        static func step<T>(_ repository: String, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch {
                throw CLIError.fromFileStep(error, at: repository) ?? error
            }
        }
    }

    /// `trustroot repo check`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Report every role's expiry; exit 1 when any expires within its signing period (for cron and CI).",
            discussion: """
                A role's signing period is its x-tuf-on-ci-signing-period, else half the lifetime of timestamp and \
                snapshot, else \(RepositoryExpiry.defaultOfflineSigningPeriodDays) days for root and targets roles. \
                Nothing is signed or written.
                """
        )

        @Argument(help: "The repository folder (metadata/ and targets/).")
        var repository: String

        @Option(
            help: ArgumentHelp(
                "Report as due any role expiring within this many days, instead of each role's signing period.",
                valueName: "days"
            )
        )
        var within: Int?

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            if let within, !(0...CeremonyConfig.maximumDays).contains(within) {
                throw ValidationError("--within must be 0 to \(CeremonyConfig.maximumDays) days")
            }
        }

        func run() throws {
            let loaded = try RepositoryArgument.load(repository)
            let report = RepositoryExpiry(loaded, within: within)
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(Self.json(report)))
            } else {
                for role in report.roles { print(Self.line(role)) }
            }
            let due = report.roles.filter(\.isDue)
            guard due.isEmpty else {
                throw CLIError(
                    message: "\(repository): due for renewal: \(due.map { "\($0.role) (\($0.renewal))" }.joined(separator: ", "))",
                    code: .verificationFailed
                )
            }
        }

        static func line(_ role: RepositoryExpiry.RoleExpiry) -> String {
            let left = role.expires.timeIntervalSinceNow
            let state = role.isExpired ? "EXPIRED" : role.isDue ? "DUE" : "ok"
            return
                "\(role.role) v\(role.version) expires \(MetadataDate.format(role.expires)) (\(Self.span(left)) \(left < 0 ? "ago" : "left"), signing period \(Self.span(role.signingPeriod))): \(state)\(role.isDue ? ": \(role.renewal)" : "")"
        }

        /// A duration as days, or hours under two days.
        static func span(_ seconds: TimeInterval) -> String {
            let magnitude = abs(seconds)
            return magnitude < 172_800 ? "\(Int(magnitude / 3_600)) hours" : "\(Int(magnitude / 86_400)) days"
        }

        static func json(_ report: RepositoryExpiry) -> JSONValue {
            [
                "due": .bool(report.anyDue),
                "roles": .array(
                    report.roles.map { role in
                        [
                            "role": .string(role.role), "version": .integer(Int64(role.version)),
                            "expires": .string(MetadataDate.format(role.expires)),
                            "signing_period_seconds": .integer(Int64(role.signingPeriod)), "due": .bool(role.isDue),
                            "expired": .bool(role.isExpired), "renewal": .string(role.renewal),
                        ]
                    }
                ),
            ]
        }
    }

    /// `trustroot repo timestamp`.
    struct Timestamp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "timestamp",
            abstract: "Sign a new timestamp for the current snapshot."
        )

        @OptionGroup var repository: RepositoryArgument

        @Option(help: "Days until it expires (default: the root's expiry period for timestamp, else 1).")
        var expiresDays: Int?

        func run() throws {
            var loaded = try repository.load()
            let online = try repository.online()
            let timestamp = try repository.step { try loaded.renewTimestamp(online: online, days: expiresDays) }
            print("timestamp v\(timestamp.signed.version), expires \(MetadataDate.format(timestamp.signed.expires))")
        }
    }

    /// `trustroot repo snapshot`.
    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snapshot",
            abstract: "Sign a new snapshot of the current targets, then a new timestamp."
        )

        @OptionGroup var repository: RepositoryArgument

        @Option(help: "Days until it expires (default: the root's expiry period for snapshot, else 7).")
        var expiresDays: Int?

        func run() throws {
            var loaded = try repository.load()
            let online = try repository.online()
            let snapshot = try repository.step { try loaded.renewSnapshot(online: online, days: expiresDays) }
            print(
                "snapshot v\(snapshot.signed.version), expires \(MetadataDate.format(snapshot.signed.expires)); timestamp v\(loaded.timestamp.signed.version)"
            )
        }
    }

    struct TargetSigners: ParsableArguments {
        @Option(name: .customLong("key"), help: "An encrypted key file of the role's signers (repeat up to the threshold).")
        var keys: [String] = []

        @Option(name: .customLong("pkcs11"), help: "A token key record of the role's signers (repeatable).")
        var tokens: [String] = []

        @Option(help: "The role listing the target: targets, or a delegated role.")
        var role: String = "targets"

        func validate() throws {
            guard !(keys.isEmpty && tokens.isEmpty) else { throw ValidationError("give the role's signers with --key or --pkcs11") }
        }

        func signers() throws -> [any Signer] {
            try keys.map { try CeremonyCommand.loadSigner(key: $0, pkcs11: nil) }
                + tokens.map { try CeremonyCommand.loadSigner(key: nil, pkcs11: $0) }
        }
    }

    /// `trustroot repo add-target`.
    struct AddTarget: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-target",
            abstract: "List a file as a target (or replace it), signed by the role's keys; then a new snapshot and timestamp."
        )

        @OptionGroup var repository: RepositoryArgument

        @Argument(help: "The target path clients ask for.")
        var path: String

        @Argument(help: "The file.")
        var file: String

        @Option(help: "The target's custom object, as JSON.")
        var custom: String?

        @OptionGroup var signers: TargetSigners

        func run() throws {
            let bytes = try readFile(file)
            let customValue: JSONValue?
            do {
                customValue = try custom.map { try JSONParser().parse(Array($0.utf8)) }
            } catch {
                throw CLIError(message: "--custom: \(error)", code: .invalidData)
            }
            var loaded = try repository.load()
            let roleSigners = try signers.signers()
            let online = try repository.online()
            try repository.step {
                try loaded.setTarget(path, bytes: bytes, custom: customValue, role: signers.role, signers: roleSigners, online: online)
            }
            print(
                "\(signers.role) v\(loaded.targets[signers.role]!.signed.version) lists \(path); snapshot v\(loaded.snapshot.signed.version), timestamp v\(loaded.timestamp.signed.version)"
            )
        }
    }

    /// `trustroot repo remove-target`.
    struct RemoveTarget: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-target",
            abstract: "Stop listing a target, signed by the role's keys; then a new snapshot and timestamp."
        )

        @OptionGroup var repository: RepositoryArgument

        @Argument(help: "The target path.")
        var path: String

        @OptionGroup var signers: TargetSigners

        func run() throws {
            var loaded = try repository.load()
            let roleSigners = try signers.signers()
            let online = try repository.online()
            try repository.step { try loaded.setTarget(path, bytes: nil, role: signers.role, signers: roleSigners, online: online) }
            print(
                "\(signers.role) v\(loaded.targets[signers.role]!.signed.version) no longer lists \(path); snapshot v\(loaded.snapshot.signed.version), timestamp v\(loaded.timestamp.signed.version)"
            )
        }
    }

    /// `trustroot repo delegate`.
    struct Delegate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delegate",
            abstract: "Delegate target paths to a new role: its keys sign its first, empty version; targets keys sign the delegation."
        )

        @OptionGroup var repository: RepositoryArgument

        @Argument(help: "The new role's name.")
        var name: String

        @Option(name: .customLong("path"), help: "A target path pattern the role is trusted for (repeatable), such as releases/*.")
        var paths: [String] = []

        @Option(help: "How many of the role's keys must sign (default: all given).")
        var threshold: Int?

        @Flag(help: "Stop the search for a target at this role.")
        var terminating = false

        @Option(help: "Days the role's metadata lives.")
        var expiresDays: Int = 365

        @Option(name: .customLong("role-key"), help: "An encrypted key file of the new role (repeatable).")
        var roleKeys: [String] = []

        @Option(name: .customLong("role-pkcs11"), help: "A token key record of the new role (repeatable).")
        var roleTokens: [String] = []

        @OptionGroup var signers: TargetSigners

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("give the role's paths with --path") }
            guard !(roleKeys.isEmpty && roleTokens.isEmpty) else {
                throw ValidationError("give the new role's keys with --role-key or --role-pkcs11")
            }
            guard signers.role == "targets" else { throw ValidationError("only the top-level targets role delegates here") }
        }

        func run() throws {
            var loaded = try repository.load()
            let roleSigners =
                try roleKeys.map { try CeremonyCommand.loadSigner(key: $0, pkcs11: nil) }
                + roleTokens.map { try CeremonyCommand.loadSigner(key: nil, pkcs11: $0) }
            let targetsSigners = try signers.signers()
            let online = try repository.online()
            try repository.step {
                try loaded.delegate(
                    name,
                    paths: paths,
                    terminating: terminating,
                    threshold: threshold ?? roleSigners.count,
                    roleSigners: roleSigners,
                    targetsSigners: targetsSigners,
                    expiresDays: expiresDays,
                    online: online
                )
            }
            print(
                "targets v\(loaded.targets["targets"]!.signed.version) delegates \(paths.joined(separator: ", ")) to \(name) v1; snapshot v\(loaded.snapshot.signed.version), timestamp v\(loaded.timestamp.signed.version)"
            )
        }
    }
}
