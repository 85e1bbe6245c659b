#if canImport(Glibc)
    import Glibc
#endif

/// The POSIX pseudo-terminal calls (`posix_openpt`, `grantpt`, `unlockpt`, `ptsname_r`, POSIX.1-2008
/// XSI), which Swift's Glibc module hides behind `_XOPEN_SOURCE`; they are looked up in the C
/// library at run time instead of through a C shim.
enum ZVTSimulatorPTY {
    private typealias OpenFunction = @convention(c) (Int32) -> Int32
    private typealias NameFunction = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

    private static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// Opens a new master, unlocks it and returns it with the slave's path.
    static func open() throws(ZVTSimulatorError) -> (master: Int32, slavePath: String) {
        guard let openpt = symbol("posix_openpt", as: OpenFunction.self),
            let grant = symbol("grantpt", as: OpenFunction.self),
            let unlock = symbol("unlockpt", as: OpenFunction.self),
            let name = symbol("ptsname_r", as: NameFunction.self)
        else { throw .cannotCreatePTY(step: "looking up posix_openpt", errno: ENOSYS) }
        let master = openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw .cannotCreatePTY(step: "posix_openpt", errno: errno) }
        guard grant(master) == 0, unlock(master) == 0 else {
            let code = errno
            _ = Glibc.close(master)
            throw .cannotCreatePTY(step: "grantpt/unlockpt", errno: code)
        }
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { name(master, $0.baseAddress, $0.count) }
        guard status == 0 else {
            _ = Glibc.close(master)
            throw .cannotCreatePTY(step: "ptsname_r", errno: status)
        }
        let path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (master, path)
    }
}
