import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`), which bounds how many connections it can hold.
///
/// Running out of descriptors must not stop the server: it keeps its connection limit ``reserve``
/// descriptors below the soft limit (set by the systemd unit's `LimitNOFILE`), so the database, key
/// files and logs always find one. If accept still fails (EMFILE/ENFILE, the whole system out),
/// SwiftNIO's `AcceptBackoffHandler` pauses accepting for a second and the server goes on.
enum DescriptorLimit {
    /// Descriptors kept free for everything that is not a client connection.
    static let reserve = 64

    /// The soft limit in force, or nil when there is none.
    static func softLimit() -> Int? {
        #if canImport(Glibc)
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
            return limit.rlim_cur == rlim_t.max ? nil : Int(clamping: limit.rlim_cur)
        #else
            return nil
        #endif
    }

    /// The connection limit to use: the configured one, lowered to fit the descriptor limit.
    static func connectionCeiling(configured: Int, logger: Logger) -> Int {
        guard let soft = softLimit() else { return configured }
        let fitting = max(1, soft - reserve)
        guard configured > fitting else { return configured }
        logger.warning(
            "http.maxConnections lowered to fit the open-file limit (raise LimitNOFILE to allow more)",
            metadata: ["configured": "\(configured)", "used": "\(fitting)", "openFileLimit": "\(soft)"])
        return fitting
    }
}
