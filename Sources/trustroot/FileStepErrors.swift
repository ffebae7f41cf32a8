import Ceremony
import Foundation
import Plumbing
import TUF
import TUFClient

extension CLIError {
    /// The exit code of each kind of ceremony failure, the same whichever command meets it: 1
    /// for a refusal (tampering, missing signatures, a link, a wrong secret), 65 for bad data
    /// or an unusable token, 66 for something missing, 74 for a disk failure or a step that
    /// would overwrite.
    static func code(of kind: CeremonyError.Kind) -> ExitCode {
        switch kind {
        case .tampered, .refused, .unsafePath, .wrongSecret: return .verificationFailed
        case .malformed, .token: return .invalidData
        case .missing: return .noInput
        case .conflict, .storage: return .ioError
        }
    }

    /// `error` as one line naming `place` (the workspace, repository, key file or token module
    /// the command worked on) unless the error names its own location, with its kind's code.
    init(_ error: CeremonyError, at place: String) {
        let message = error.location == nil ? "\(place): \(error)" : error.description
        self.init(message: message, code: Self.code(of: error.kind))
    }

    /// The one line and exit code of an error met while working on the ceremony's or the online
    /// repository's files at `place`. Nil for an error of a kind the commands do not name.
    static func fromFileStep(_ error: any Error, at place: String) -> CLIError? {
        switch error {
        case let error as CLIError: return error
        case let error as CeremonyError: return CLIError(error, at: place)
        case is StorageError, is ConfinedDirectory.Error, is MetadataError, is UpdateError:
            return CLIError(CeremonyError(error), at: place)
        default: return nil
        }
    }
}
