import CSecretMemory

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps decrypted key material out of places it could leak from after use.
public enum SecretMemory {
    /// Turns core dumps off for the whole process: the core size limit to zero and the process
    /// marked not dumpable (which also keeps other processes of the same user from reading its
    /// memory through `/proc`). Call it before any private key is read.
    ///
    /// - Returns: whether both calls succeeded.
    @discardableResult
    public static func disableCoreDumps() -> Bool {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        #if os(Linux)
            let limited = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) == 0
        #else
            let limited = setrlimit(RLIMIT_CORE, &limit) == 0
        #endif
        return limited && csecretmemory_set_undumpable() == 0
    }

    /// Overwrites `bytes` with zeros in place (a store the optimizer cannot drop), then empties
    /// the array.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            csecretmemory_wipe(base, buffer.count)
        }
        bytes.removeAll()
    }
}
