import Ceremony
import Foundation
import TUF
import TUFClient

extension CLIError {
    /// The one line and exit code of an error met while working on the ceremony's or the online
    /// repository's files at `place`, the same whichever command met it: 1 for a refusal
    /// (tampering, missing signatures, a link), 65 for bad data, 66 for something missing and
    /// 74 for a disk failure. Nil for an error of a kind the commands do not name.
    static func fromFileStep(_ error: any Error, at place: String) -> CLIError? {
        switch error {
        case let error as CLIError: return error
        case let error as Workspace.Error:
            switch error {
            case .gap, .incomplete, .signedProposalPending, .unsafe:
                return CLIError(message: "\(place): \(error)", code: .verificationFailed)
            case .missing: return CLIError(message: "\(place): \(error)", code: .noInput)
            case .notWorkspace: return CLIError(message: "\(error)", code: .noInput)
            case .notEmpty: return CLIError(message: "\(error)", code: .ioError)
            case .invalid: return CLIError(message: "\(place): \(error)", code: .invalidData)
            }
        case let error as OnlineRepository.Error:
            // The message names the missing path itself.
            if case .missing = error { return CLIError(message: error.description, code: .noInput) }
            return CLIError(message: "\(place): \(error)", code: .verificationFailed)
        case let error as Transcript.Error: return CLIError(message: "\(place): \(error)", code: .verificationFailed)
        case let error as Proposal.Error: return CLIError(message: "\(place): \(error)", code: .verificationFailed)
        case let error as RootProposal.Error: return CLIError(message: "\(place): \(error)", code: .verificationFailed)
        case let error as RepositoryPublisher.Error:
            // A target path or file that cannot be published is bad input, not a refusal.
            if case .targetFile = error { return CLIError(message: "\(place): \(error)", code: .invalidData) }
            return CLIError(message: "publish refused: \(error)", code: .verificationFailed)
        case let error as StorageError: return CLIError(error)
        case let error as UpdateError: return CLIError(message: "\(place): \(error)", code: .ioError)
        case let error as ConfinedDirectory.Error: return CLIError(error)
        case let error as MetadataError: return CLIError(message: "\(place): \(error)", code: .invalidData)
        default: return nil
        }
    }
}
