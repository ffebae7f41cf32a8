import SigstoreTUF
import TUFClient

/// The quick path for `trustroot client refresh`'s usual command lines, for the reason
/// ``VerifyArgumentScanner`` gives: ArgumentParser's first reflective lookup costs a
/// statically linked binary a scan of every protocol conformance in it, a large part of a
/// refresh that has nothing new to fetch.
///
/// It reads the plain forms only (`--name value`, `--name=value`, flags) and returns nil on
/// anything else: help, an unknown or repeated option, a value that looks like an option or is
/// out of range, or a combination `client refresh` refuses. ArgumentParser then reads the
/// command line as before, with its own messages and exit codes.
enum RefreshArgumentScanner {
    /// The options `client refresh` takes a value for, without their leading dashes.
    static let valueOptions = ["cache", "timeout", "max-root-rotations", "min-root-version", "pin-root-version"]
    /// The flags `client refresh` takes.
    static let flags = ["json", "offline", "allow-expired"]

    /// What a plain command line asks for.
    struct Request {
        var cache: String?
        var mode = ClientCommand.UpdateMode()
        var json = false
    }

    /// Starts the network client of the refresh `request` asks for on a thread of its own
    /// (``TrustedRootProvider/prepareNetwork(for:)``), and returns the client folder it names.
    ///
    /// Synchronous on purpose: called from the main function before its first await, the client
    /// starts while that await hops to the global executor and waits for its first thread.
    static func prepare(_ request: Request) -> ClientLayout {
        let layout = ClientLayout(request.cache)
        TrustedRootProvider(layout: layout).prepareNetwork(for: request.mode)
        return layout
    }

    /// The request `arguments` (the command line after the program's name) make, or nil.
    static func request(from arguments: [String]) -> Request? {
        guard arguments.count >= 2, arguments[0] == "client", arguments[1] == "refresh" else { return nil }
        var request = Request()
        var seen: [String] = []
        var index = 2
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else { return nil }
            let (name, inline) = PlainArguments.option(argument)
            guard !seen.contains(name) else { return nil }
            seen.append(name)
            if flags.contains(name) {
                guard inline == nil else { return nil }
                switch name {
                case "json": request.json = true
                case "offline": request.mode.offline = true
                default: request.mode.allowExpired = true
                }
                continue
            }
            guard valueOptions.contains(name) else { return nil }
            guard let value = PlainArguments.value(inline, in: arguments, at: &index) else { return nil }
            switch name {
            case "cache": request.cache = value
            case "timeout":
                guard let seconds = Double(value) else { return nil }
                request.mode.timeout = seconds
            case "max-root-rotations":
                guard let count = Int(value) else { return nil }
                request.mode.maximumRootRotations = count
            case "min-root-version":
                guard let version = Int(value) else { return nil }
                request.mode.minimumRootVersion = version
            default:
                guard let version = Int(value) else { return nil }
                request.mode.pinnedRootVersion = version
            }
        }
        guard ClientCommand.UpdateOptions.refusal(of: request.mode) == nil else { return nil }
        return request
    }
}
