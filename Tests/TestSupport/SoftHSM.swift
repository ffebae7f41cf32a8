import Foundation

/// A SoftHSM2 token in a temporary folder, made once per test process: PKCS#11 modules read
/// their configuration when first initialized, so every test in the process shares it.
///
/// The token is labelled `trustroot-test`, user PIN 1234, and holds key pairs with ids 01
/// (P-256), 02 (P-384), 03 (Ed25519) and 04 (RSA 2048), labelled p256, p384, ed25519, rsa.
public final class SoftHSM: @unchecked Sendable {
    /// The SoftHSM2 module Debian installs.
    public static let module = "/usr/lib/softhsm/libsofthsm2.so"
    /// The token's label.
    public let tokenLabel = "trustroot-test"
    /// The user PIN.
    public let pin = "1234"
    /// The folder holding the configuration and the token.
    public let folder: URL

    /// What a child process needs in its environment to find the test token: the process's own
    /// `setenv` may race with another thread starting a process, so pass this explicitly.
    public var environment: [String: String] {
        ["SOFTHSM2_CONF": folder.appendingPathComponent("softhsm2.conf").path, "TRUSTROOT_PKCS11_PIN": pin]
    }

    /// The process's token, made on first use; `nil` with the reason when SoftHSM2 or OpenSC's
    /// pkcs11-tool is not installed (`.ci/run` installs both).
    public static let shared: Result<SoftHSM, Python.Failure> = {
        do {
            return .success(try SoftHSM())
        } catch let failure as Python.Failure {
            return .failure(failure)
        } catch {
            return .failure(Python.Failure(description: "\(error)"))
        }
    }()

    private init() throws {
        guard FileManager.default.fileExists(atPath: Self.module) else {
            throw Python.Failure(description: "SoftHSM2 is not installed (apt-get install softhsm2 opensc)")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("trustroot-softhsm-\(UUID().uuidString)")
        let tokens = folder.appendingPathComponent("tokens")
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        let configuration = folder.appendingPathComponent("softhsm2.conf")
        try "directories.tokendir = \(tokens.path)\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(to: configuration, atomically: false, encoding: .utf8)
        setenv("SOFTHSM2_CONF", configuration.path, 1)
        try Self.run(["softhsm2-util", "--init-token", "--free", "--label", tokenLabel, "--pin", pin, "--so-pin", "5678"])
        for (type, id, label) in [
            ("EC:prime256v1", "01", "p256"), ("EC:secp384r1", "02", "p384"), ("EC:edwards25519", "03", "ed25519"),
            ("RSA:2048", "04", "rsa"),
        ] {
            try Self.run([
                "pkcs11-tool", "--module", Self.module, "--token-label", tokenLabel, "--login", "--pin", pin,
                "--keypairgen", "--key-type", type, "--id", id, "--label", label,
            ])
        }
    }

    private static func run(_ arguments: [String]) throws {
        let outcome = try Subprocess.runBlocking(command: arguments)
        guard outcome.status == 0 else { throw Python.Failure(description: "\(arguments[0]) failed: \(outcome.errors)") }
    }
}
