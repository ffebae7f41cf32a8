/// The quick path for `trustroot verify`'s usual command lines.
///
/// ArgumentParser finds a command's options by reflection, and in a statically linked binary each
/// first reflective lookup scans every protocol conformance in it, a cost of the same order as the
/// whole verification (`trustroot-bench` measures both). This scanner reads the plain forms only (`--name value`, `--name=value`,
/// flags, one artifact) and gives up, returning nil, on anything else: help, an unknown or
/// repeated option, a value that looks like an option, or a combination ``VerifyRequest`` refuses.
/// ArgumentParser then handles the command line as before, with its messages and exit codes, so
/// the scanner never decides what an unusual command line means.
enum VerifyArgumentScanner {
    /// The options `verify` takes a value for, without their leading dashes. (Arrays, not sets:
    /// a set's first use costs a reflective lookup of its own.)
    static let valueOptions = [
        "bundle", "batch", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "claim",
        "predicate-type", "key", "key-details", "trusted-root", "cache", "min-log-entries", "min-timestamps", "min-scts",
    ]
    /// The flags `verify` takes.
    static let flags = ["json", "online", "staging", "allow-expired-trusted-root"]

    /// Runs a one-bundle `request` to its end on the calling thread (``CurrentThreadExecutor``);
    /// false, having run nothing, for a batch, which ``VerifyRequest/run()`` spreads over the
    /// cores.
    ///
    /// Synchronous on purpose: called from the main function, the bundle is verified on the main
    /// thread, where an `async` call would first hop to the global executor and wait for its
    /// first thread to start.
    static func runOnCallingThread(_ request: VerifyRequest) throws -> Bool {
        guard #available(macOS 15, *), request.batch == nil else { return false }
        try CurrentThreadExecutor().run { try await request.run() }
        return true
    }

    /// The request `arguments` (the command line after the program's name) make, or nil when
    /// ArgumentParser should read them.
    static func request(from arguments: [String]) -> VerifyRequest? {
        guard arguments.first == "verify" else { return nil }
        var request = VerifyRequest()
        var seen: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                guard !argument.hasPrefix("-"), !argument.isEmpty, request.artifact == nil else { return nil }
                request.artifact = argument
                continue
            }
            let (name, inline) = PlainArguments.option(argument)
            if flags.contains(name) {
                guard inline == nil, !seen.contains(name) else { return nil }
                seen.append(name)
                switch name {
                case "json": request.json = true
                case "online": request.online = true
                case "staging": request.trust.staging = true
                default: request.trust.allowExpired = true
                }
                continue
            }
            guard valueOptions.contains(name), name == "claim" || name == "trusted-root" || !seen.contains(name) else { return nil }
            seen.append(name)
            guard let value = PlainArguments.value(inline, in: arguments, at: &index) else { return nil }
            switch name {
            case "bundle": request.bundle = value
            case "batch": request.batch = value
            case "certificate-identity": request.certificateIdentity = value
            case "certificate-identity-regexp": request.certificateIdentityRegexp = value
            case "certificate-oidc-issuer": request.certificateOidcIssuer = value
            case "claim": request.claims.append(value)
            case "predicate-type": request.predicateType = value
            case "key": request.key = value
            case "key-details": request.keyDetails = value
            case "min-log-entries":
                guard let count = Int(value) else { return nil }
                request.minimumLogEntries = count
            case "min-timestamps":
                guard let count = Int(value) else { return nil }
                request.minimumTimestamps = count
            case "min-scts":
                guard let count = Int(value) else { return nil }
                request.minimumSCTs = count
            case "trusted-root": request.trust.files.append(value)
            case "cache": request.trust.cache = value
            default: return nil
            }
        }
        guard (try? request.validate()) != nil else { return nil }
        return request
    }
}
